/** The edgefn console: sign in, then pages by the URL's hash (#/, #/functions/<id>, …/logs, #/api-keys). */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { token, whenUnauthorized } from './api.ts';
import { ApiKeysPage } from './api-keys-page.tsx';
import { DetailsPage } from './details-page.tsx';
import { FunctionsPage } from './functions-page.tsx';
import { LogsPage } from './logs-page.tsx';
import { SignIn } from './signin.tsx';
import './styles.css';

function App() {
  const [signedIn, setSignedIn] = useState(token.get() !== null);
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    whenUnauthorized(() => {
      token.clear();
      setSignedIn(false);
    });
    return () => removeEventListener('hashchange', changed);
  }, []);
  if (!signedIn) return <SignIn onDone={() => setSignedIn(true)} />;
  const match = /^#\/functions\/([^/]+)(\/logs)?$/.exec(hash);
  const page = hash === '#/api-keys' ? <ApiKeysPage /> : !match ? <FunctionsPage /> : match[2] ? <LogsPage id={decodeURIComponent(match[1]!)} /> : <DetailsPage id={decodeURIComponent(match[1]!)} key={match[1]} />;
  return (
    <>
      <header class="bar">
        <nav>
          <a href="#/" class="brand">
            edgefn
          </a>
          <a href="#/api-keys">API keys</a>
        </nav>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            token.clear();
            setSignedIn(false);
            location.hash = '#/';
          }}
        >
          Sign out
        </button>
      </header>
      {page}
    </>
  );
}

render(<App />, document.getElementById('app')!);
