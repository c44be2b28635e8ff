/** Small shared pieces: API errors shown with their code, modal dialogs, loading, time. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

/** An API failure as the user sees it: the message and, in brackets, the EdgeOne-style code. */
export function ErrorNote(props: { error: unknown }) {
  if (!props.error) return null;
  const e = props.error;
  const text = e instanceof ApiError ? `${e.message} [${e.code}]` : e instanceof Error ? e.message : String(e);
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

/** A modal dialog (the native <dialog>: focus stays inside, Esc closes it). */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current!;
    dialog.showModal();
    const close = () => props.onClose();
    dialog.addEventListener('close', close);
    return () => {
      dialog.removeEventListener('close', close);
      if (dialog.open) dialog.close();
    };
  }, []);
  return (
    <dialog ref={ref} class={props.wide ? 'wide' : ''} aria-label={props.title}>
      <header>
        <h2>{props.title}</h2>
        <button type="button" class="plain" aria-label="Close" onClick={() => ref.current?.close()}>
          ×
        </button>
      </header>
      {props.children}
    </dialog>
  );
}

/** Loads with `load`, again whenever `deps` change; `reload` fetches again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { data, error, reload: () => setRound((n) => n + 1) };
}

export const when = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '');

/** Reserves its space while loading, so the page does not jump when data arrives. */
export function Loading(props: { height?: string }) {
  return (
    <div class="loading" style={{ minHeight: props.height ?? '4rem' }} aria-busy="true">
      Loading…
    </div>
  );
}

/** A table that scrolls sideways on its own in a narrow window, rather than the page. */
export function Table(props: { head: string[]; children: ComponentChildren }) {
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            {props.head.map((title) => (
              <th>{title}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** A question before a change: Cancel, or the action's own button. */
export function Confirm(props: { title: string; action: string; onConfirm: () => void; onClose: () => void; children: ComponentChildren }) {
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      {props.children}
      <div class="actions">
        <button type="button" class="secondary" onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={props.onConfirm}>
          {props.action}
        </button>
      </div>
    </Dialog>
  );
}
