/**
 * CodeMirror 6 as Preact components: a JavaScript editor (line numbers, highlighting, search, an
 * error shown at its line) and the side-by-side merge view of Compare and Sync. Styles are added
 * under the page's CSP nonce.
 */
import { useEffect, useRef } from 'preact/hooks';
import { basicSetup } from 'codemirror';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { javascript } from '@codemirror/lang-javascript';
import { setDiagnostics } from '@codemirror/lint';
import { MergeView } from '@codemirror/merge';

const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? '';

function extensions(label: string, readOnly: boolean, onChange?: (text: string) => void): Extension[] {
  return [
    basicSetup,
    javascript(),
    EditorView.cspNonce.of(nonce),
    EditorView.lineWrapping,
    EditorView.contentAttributes.of({ 'aria-label': label }),
    EditorState.readOnly.of(readOnly),
    EditorView.editable.of(!readOnly),
    ...(onChange ? [EditorView.updateListener.of((update) => update.docChanged && onChange(update.state.doc.toString()))] : []),
  ];
}

export interface CodeProblem {
  line: number;
  column: number;
  message: string;
}

/** An editor whose text starts as `value`; `problem` marks a line (a syntax error from the API). */
export function CodeEditor(props: { label: string; value: string; readOnly?: boolean; onChange?: (text: string) => void; problem?: CodeProblem | null }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  useEffect(() => {
    view.current = new EditorView({
      parent: host.current!,
      state: EditorState.create({ doc: props.value, extensions: extensions(props.label, props.readOnly === true, (text) => onChange.current?.(text)) }),
    });
    return () => view.current?.destroy();
  }, []);

  // A new value from outside (another replica loaded) replaces the text.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== props.value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
  }, [props.value]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const p = props.problem;
    if (!p || p.line < 1 || p.line > v.state.doc.lines) {
      v.dispatch(setDiagnostics(v.state, []));
      return;
    }
    const line = v.state.doc.line(p.line);
    const from = Math.min(line.from + Math.max(0, p.column - 1), line.to);
    v.dispatch(setDiagnostics(v.state, [{ from, to: Math.max(from, line.to), severity: 'error', message: p.message }]));
    v.dispatch({ selection: { anchor: from }, scrollIntoView: true });
  }, [props.problem]);

  return <div class="editor" ref={host} />;
}

/** Two texts side by side, read-only, changes marked: production and a replica by default. */
export function MergeEditor(props: { production: string; replica: string; labels?: [string, string] }) {
  const host = useRef<HTMLDivElement>(null);
  const [left, right] = props.labels ?? ['Production code', 'Replica code'];
  useEffect(() => {
    const merge = new MergeView({
      parent: host.current!,
      a: { doc: props.production, extensions: extensions(left, true) },
      b: { doc: props.replica, extensions: extensions(right, true) },
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    return () => merge.destroy();
  }, [props.production, props.replica]);
  return <div class="merge" ref={host} />;
}
