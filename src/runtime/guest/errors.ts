/**
 * The guest's one way to make errors. Every message reads "<context>: <problem>", the context
 * naming the operation as WebIDL does ("Headers.append", "Blob constructor", "fetch"), so an
 * error in a function's log says where it came from, whichever class threw it. Errors from the
 * host arrive as a name and a message and become the same classes a guest throw would make.
 */

/** "<context>: <problem>". */
export function errorMessage(context: string, problem: string): string {
  return `${context}: ${problem}`;
}

export function typeError(context: string, problem: string): TypeError {
  return new TypeError(errorMessage(context, problem));
}

export function rangeError(context: string, problem: string): RangeError {
  return new RangeError(errorMessage(context, problem));
}

/** For interfaces only the runtime may construct (a private key argument guards the constructor). */
export function illegalConstructor(iface: string): TypeError {
  return typeError(`${iface} constructor`, 'Illegal constructor');
}

/** A member called on an object that is not an instance of its interface (a failed brand check). */
export function illegalInvocation(context: string): TypeError {
  return typeError(context, 'Illegal invocation');
}

const hostErrors: Record<string, new (message: string) => Error> = { TypeError, RangeError, SyntaxError, Error };
let domException: (message: string, name: string) => Error = (message) => new Error(message);

/** Installs the DOMException class (kept out of this module's imports: it has none). */
export function setDomExceptionFactory(make: (message: string, name: string) => Error): void {
  domException = make;
}

/** An error the host reported by name: a built-in error class, or a DOMException of that name. */
export function errorFromHost(name: string, message: string): Error {
  const Ctor = hostErrors[name];
  return Ctor ? new Ctor(message) : domException(message, name);
}
