import { hasGrafana, NO_GRAFANA_REASON } from './skip';

export default function globalSetup() {
  if (hasGrafana) {
    console.log(`Running e2e tests against ${process.env.GRAFANA_URL}`);
  } else {
    console.log(`Skipping e2e tests: ${NO_GRAFANA_REASON}`);
  }
}
