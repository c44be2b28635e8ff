/**
 * HTML channel messaging inside one isolate: MessageChannel, MessagePort and MessageEvent. A
 * message is structured-cloned when posted (transferring what its list names) and delivered to
 * the other port as a task: a zero-delay timer of the execution that posted it, so its listeners'
 * CPU time is that execution's; posted at global scope (no execution yet), it is delivered as a
 * microtask. A port delivers only once started (`start()`, or setting `onmessage`).
 */
import { DOMException } from './dom-exception.ts';
import { Event, EventTarget, fireTrusted, type EventInit } from './events.ts';
import { currentExec } from './exec.ts';
import { setTimeout } from './timers.ts';
import { deserialize, serializeWithTransfer, setPortHooks, transferList, type Serialization } from './structured-clone.ts';
import { defineInterface, dictionaryOf, requiredArguments, sequenceOf } from './webidl.ts';
import { errorMessage, illegalConstructor, typeError } from './errors.ts';

const ILLEGAL = Symbol('illegal constructor');

export interface MessageEventInit extends EventInit {
  data?: unknown;
  origin?: string;
  lastEventId?: string;
  source?: MessagePort | null;
  ports?: Iterable<MessagePort>;
}

let isPortBrand!: (value: unknown) => value is MessagePort;
let createPair!: () => [MessagePort, MessagePort];

/** HTML `MessageEvent`. */
export class MessageEvent extends Event {
  #data: unknown = null;
  #origin = '';
  #lastEventId = '';
  #source: MessagePort | null = null;
  #ports: readonly MessagePort[] = Object.freeze([]);

  constructor(type: string, eventInitDict: MessageEventInit = {}) {
    requiredArguments(arguments.length, 1, 'MessageEvent constructor');
    super(type, eventInitDict);
    const init = dictionaryOf<MessageEventInit>(eventInitDict, 'MessageEvent constructor');
    this.#init(init.data, init.origin, init.lastEventId, init.source, init.ports);
  }

  #init(data: unknown, origin: unknown, lastEventId: unknown, source: unknown, ports: unknown): void {
    if (source !== undefined && source !== null && !isPortBrand(source)) throw typeError('MessageEvent', 'source is not a MessagePort');
    const list = ports === undefined ? [] : sequenceOf(ports, 'MessageEvent: ports');
    for (const port of list) if (!isPortBrand(port)) throw typeError('MessageEvent', 'ports must be MessagePorts');
    this.#data = data === undefined ? null : data;
    this.#origin = origin === undefined ? '' : `${origin as string}`;
    this.#lastEventId = lastEventId === undefined ? '' : `${lastEventId as string}`;
    this.#source = (source ?? null) as MessagePort | null;
    this.#ports = Object.freeze(list as MessagePort[]);
  }

  get data(): unknown { return this.#data; }
  get origin(): string { return this.#origin; }
  get lastEventId(): string { return this.#lastEventId; }
  get source(): MessagePort | null { return this.#source; }
  get ports(): readonly MessagePort[] { return this.#ports; }

  /** Legacy re-initialisation. */
  initMessageEvent(type: string, bubbles = false, cancelable = false, data: unknown = null, origin = '', lastEventId = '', source: MessagePort | null = null, ports: MessagePort[] = []): void {
    requiredArguments(arguments.length, 1, 'MessageEvent.initMessageEvent');
    this.initEvent(type, bubbles, cancelable);
    this.#init(data, origin, lastEventId, source, ports);
  }

  static {
    defineInterface(MessageEvent, 'MessageEvent', 1);
  }
}

interface Queued {
  readonly serialization: Serialization;
  readonly ports: readonly MessagePort[];
}

/** HTML `MessagePort`: one end of a channel. */
export class MessagePort extends EventTarget {
  #other: MessagePort | null = null;
  #queue: Queued[] = [];
  #started = false;
  #detached = false;
  /** The execution whose timer will drain the queue (0: a microtask will; -1: nothing is due). */
  #drainIn = -1;
  #handlers: Record<'message' | 'messageerror', { value: unknown; listener: ((event: Event) => void) | null }> = {
    message: { value: null, listener: null },
    messageerror: { value: null, listener: null },
  };

  private constructor(key?: symbol) {
    super();
    if (key !== ILLEGAL) throw illegalConstructor('MessagePort');
  }

  /** Two entangled ports (MessageChannel's constructor). */
  static #pair(): [MessagePort, MessagePort] {
    const a = new MessagePort(ILLEGAL);
    const b = new MessagePort(ILLEGAL);
    a.#other = b;
    b.#other = a;
    return [a, b];
  }

  /** Sends `message` to the other port; `transfer` lists what moves with it. */
  postMessage(message: unknown, options: unknown = undefined): void {
    requiredArguments(arguments.length, 1, 'MessagePort.postMessage');
    const transfer = transferList(options);
    if (transfer.includes(this)) throw new DOMException(errorMessage('MessagePort.postMessage', 'the transfer list contains the source port'), 'DataCloneError');
    const serialization = serializeWithTransfer(message, transfer);
    const target = this.#other;
    if (target === null) return;
    target.#queue.push({ serialization, ports: serialization.moved.filter(isPort) });
    target.#schedule();
  }

  /** Starts delivering queued messages. */
  start(): void {
    if (this.#started || this.#detached) return;
    this.#started = true;
    this.#schedule();
  }

  /** Disentangles both ports; messages already queued at the other port are still delivered. */
  close(): void {
    const other = this.#other;
    this.#other = null;
    if (other !== null) other.#other = null;
  }

  get onmessage(): unknown { return this.#handlers.message.value; }
  set onmessage(value: unknown) {
    this.#setHandler('message', value);
    this.start();
  }

  get onmessageerror(): unknown { return this.#handlers.messageerror.value; }
  set onmessageerror(value: unknown) { this.#setHandler('messageerror', value); }

  #setHandler(type: 'message' | 'messageerror', value: unknown): void {
    const slot = this.#handlers[type];
    slot.value = value !== null && (typeof value === 'object' || typeof value === 'function') ? value : null;
    if (slot.value === null && slot.listener !== null) {
      this.removeEventListener(type, slot.listener);
      slot.listener = null;
    } else if (slot.value !== null && slot.listener === null) {
      slot.listener = (event: Event): void => {
        const handler = slot.value;
        if (typeof handler === 'function') (handler as (event: Event) => unknown).call(this, event);
      };
      this.addEventListener(type, slot.listener);
    }
  }

  /** Transfer steps: a new port takes this one's place in the channel and its queue; this one is dead. */
  static #move(port: MessagePort): MessagePort {
    const moved = new MessagePort(ILLEGAL);
    moved.#other = port.#other;
    if (port.#other !== null) port.#other.#other = moved;
    moved.#queue = port.#queue;
    port.#other = null;
    port.#queue = [];
    port.#detached = true;
    return moved;
  }

  #schedule(): void {
    if (!this.#started || this.#queue.length === 0) return;
    const exec = currentExec();
    // A drain is due in this execution already. One due in another may never come (a timer ends
    // with its execution): a second drain finds the queue empty, so scheduling again is harmless.
    if (this.#drainIn === exec) return;
    this.#drainIn = exec;
    if (exec === 0) void Promise.resolve().then(() => this.#drain());
    else setTimeout(() => this.#drain(), 0);
  }

  #drain(): void {
    this.#drainIn = -1;
    const queue = this.#queue;
    this.#queue = [];
    for (const { serialization, ports } of queue) {
      let data: unknown;
      try {
        data = deserialize(serialization);
      } catch {
        this.#fire('messageerror', null, ports);
        continue;
      }
      this.#fire('message', data, ports);
    }
  }

  #fire(type: string, data: unknown, ports: readonly MessagePort[]): void {
    const event = new MessageEvent(type, { data, ports });
    fireTrusted(this, event);
  }

  static {
    isPortBrand = (value): value is MessagePort => typeof value === 'object' && value !== null && #other in value;
    defineInterface(MessagePort, 'MessagePort', 0);
    createPair = () => MessagePort.#pair();
    setPortHooks({
      movable: (value) => isPortBrand(value) && !value.#detached,
      move: (port) => MessagePort.#move(port as MessagePort),
    });
  }
}


/** HTML `MessageChannel`: two entangled ports. */
export class MessageChannel {
  #port1: MessagePort;
  #port2: MessagePort;

  constructor() {
    [this.#port1, this.#port2] = createPair();
  }

  get port1(): MessagePort { return this.#port1; }
  get port2(): MessagePort { return this.#port2; }

  static {
    defineInterface(MessageChannel, 'MessageChannel', 0);
  }
}

/** True for a MessagePort made here. */
function isPort(value: unknown): value is MessagePort {
  return isPortBrand(value);
}
