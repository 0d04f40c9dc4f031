// Where the network layer reports what it did not hand to a caller: ignored
// frames, dropped connections, listener failures. Default: nowhere.

export type DsLogLevel = 'debug' | 'info' | 'warn';
export type DsLogger = (level: DsLogLevel, message: string) => void;

export const silentLogger: DsLogger = () => {};
