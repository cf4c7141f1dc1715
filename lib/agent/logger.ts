// The agent's console output. Tests pass their own logger to read what the agent said.

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const PREFIX = "[ferry-agent]";

export const consoleLogger: Logger = {
  info: (message) => console.log(`${PREFIX} ${message}`),
  warn: (message) => console.warn(`${PREFIX} ${message}`),
  error: (message) => console.error(`${PREFIX} ${message}`),
};
