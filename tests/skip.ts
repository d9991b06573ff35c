/** Why the e2e tests skip when no Grafana server is given. */
export const NO_GRAFANA_REASON =
  'GRAFANA_URL not set: no Grafana server to test against (start one with docker compose up, then GRAFANA_URL=http://localhost:3000 npm run e2e)';

export const hasGrafana = !!process.env.GRAFANA_URL;
