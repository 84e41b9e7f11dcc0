/** DTLS 1.2 for ENet, sans-I/O: TLSOptions, a client session and a multi-session server. */
export { TLSOptions } from './tls-options.js';
export { DtlsSession, DtlsSession as DtlsClient, CIPHER_SUITES, type CipherSuite, type DtlsState } from './session.js';
export { DtlsServer, addressKey, splitAddressKey } from './server.js';
