import { ChangeEvent } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';

import { MemshapeOptions, MemshapeSecureJsonData } from '../types';

/** The config editor's props, as Grafana hands them. */
export type ConfigEditorProps = DataSourcePluginOptionsEditorProps<MemshapeOptions, MemshapeSecureJsonData>;

export type SecretKey = keyof MemshapeSecureJsonData;

/** The config editor's layout, shared by its sections. */
export const LABEL_WIDTH = 24;
export const INPUT_WIDTH = 40;

/** What an upstream's own section of the config editor (its connection and keys) gets. */
export interface UpstreamSettingsProps {
  options: ConfigEditorProps['options'];
  onOptionsChange: ConfigEditorProps['onOptionsChange'];
  setJsonData: (patch: Partial<MemshapeOptions>) => void;
  /** A write-only secret field's props: the typed value goes to secureJsonData and is never shown again. */
  secretProps: (key: SecretKey) => {
    isConfigured: boolean;
    onChange: (event: ChangeEvent<HTMLInputElement>) => void;
    onReset: () => void;
  };
}
