package upstream

import (
	"errors"
	"strings"
)

// CommandLiner is an optional interface of an Upstream: how the memshape
// command chooses it and fills in its settings from a flag and the
// environment. The command turns them into a data source instance's
// settings (the URL field, jsonData, secureJsonData), which the upstream's
// Settings reads as it reads a data source's: the command and the plugin
// build the same client. An upstream without one is reachable all the
// same with the command's generic flags (--upstream NAME, --url,
// --json-data, --secret-env).
type CommandLiner interface {
	CommandLine() CommandLine
}

// CommandLine is what an upstream adds to the memshape command.
type CommandLine struct {
	// Flag chooses the upstream: --Flag Arg puts its value in Setting
	// ("prometheus": --prometheus URL).
	Flag, Arg string
	// Setting is the setting Flag's value fills: URLSetting, or a jsonData
	// key.
	Setting string
	// Usage describes Flag for the command's help, a paragraph the
	// command wraps.
	Usage string
	// Query names its query language for --query's help ("PromQL").
	Query string
	// Env are secureJsonData values the command reads from environment
	// variables (never from flags, which end up in shell history and
	// process lists).
	Env []EnvSecret
	// HTTPAuth says the command's HTTP credentials (--basic-auth,
	// --bearer-token-file, --header) apply: the upstream authenticates by
	// what its HTTP client sends.
	HTTPAuth bool
}

// EnvSecret is a secureJsonData value read from an environment variable.
type EnvSecret struct {
	// Var is the variable (DD_API_KEY), Key the secureJsonData key it
	// fills (datadogApiKey), What the secret as a message names it ("the
	// API key").
	Var, Key, What string
}

// URLSetting is the data source's URL field, as a SettingError's Key and
// a CommandLine's Setting name it.
const URLSetting = "url"

// SettingError is a problem with one of an instance's settings, or a
// credential refused: Key names the setting (URLSetting, a jsonData key
// or a secureJsonData key), so that a program that took the setting from
// elsewhere (the memshape command: a flag, an environment variable) can
// say where to fix it.
type SettingError struct {
	Key string
	// Err says what is wrong, in words that do not say where the setting
	// is set.
	Err error
	// Fix says where to fix it in the data source settings ("fix the URL
	// in the data source settings"); may be empty.
	Fix string
}

func (e *SettingError) Error() string {
	if e.Fix == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + ": " + e.Fix
}

func (e *SettingError) Unwrap() error { return e.Err }

// SettingOf is the SettingError in err's chain, if there is one.
func SettingOf(err error) (*SettingError, bool) {
	var se *SettingError
	ok := errors.As(err, &se)
	return se, ok
}

// CommandLineOf is the upstream's CommandLine, if it has one.
func CommandLineOf(u Upstream) (CommandLine, bool) {
	if c, ok := u.(CommandLiner); ok {
		cl := c.CommandLine()
		cl.Flag = strings.TrimLeft(cl.Flag, "-")
		return cl, cl.Flag != ""
	}
	return CommandLine{}, false
}
