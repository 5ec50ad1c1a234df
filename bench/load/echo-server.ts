/**
 * The physical floor: a bare `ws` server on loopback that sends every text frame straight back. Run by
 * the bench as a child process, exactly like Chatflow, so both pay the same process and socket costs.
 */
import { listenWebSocket } from './ws-child.ts';

listenWebSocket((socket, data) => socket.send(data, { binary: false }));
