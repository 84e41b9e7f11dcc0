import { PEER_RELIABLE_WINDOWS } from '../protocol/constants.js';
import type { IncomingCommand } from './commands.js';
import { List } from './list.js';

/** Sequencing state of one channel of a peer. */
export class Channel {
  outgoingReliableSequenceNumber = 0;
  outgoingUnreliableSequenceNumber = 0;
  usedReliableWindows = 0;
  readonly reliableWindows = new Uint16Array(PEER_RELIABLE_WINDOWS);
  incomingReliableSequenceNumber = 0;
  incomingUnreliableSequenceNumber = 0;
  readonly incomingReliableCommands = new List<IncomingCommand>();
  readonly incomingUnreliableCommands = new List<IncomingCommand>();
}
