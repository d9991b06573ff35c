import { DataSourceSettings } from '@grafana/data';

import { MemshapeOptions, MemshapeSecureJsonData } from '../types';

export type Settings = DataSourceSettings<MemshapeOptions, MemshapeSecureJsonData>;

/**
 * Data source settings as Grafana hands them to the config editor, for tests and the docs screenshot harness.
 * Not part of the plugin bundle.
 */
export function dataSourceSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    id: 1,
    uid: 'memshape',
    orgId: 1,
    name: 'Memory Shape',
    type: 'memshape-memory-datasource',
    typeName: 'Memory Shape',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData: {},
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
    ...overrides,
  } as Settings;
}
