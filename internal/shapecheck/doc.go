// Package shapecheck holds the test that what the project says of each
// shape outside Go — the provisioned dashboards' colours, value mappings
// and stat panels, the frontend's lists of shapes, the alert values, the
// docs' severity and colour lists and CONTRIBUTING's "Adding a shape" —
// agrees with the one table of shapes, shape.Table.
package shapecheck
