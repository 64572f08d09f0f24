// The agent's version, recorded in agent.started leaves and bundles.
export const VERSION = '0.1.0';
