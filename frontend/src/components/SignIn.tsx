// Sign in with a token, or by a one-time link (its code in the address's #fragment).
import { useEffect, useState } from "preact/hooks";
import { api, HttpError } from "../api";
import { useWords } from "../context";

/** Where to go after signing in: only a page of this site, never another one. */
export function nextPath(search: string, origin: string = location.origin): string {
  const next = new URLSearchParams(search).get("next") ?? "/";
  try {
    // Resolved as the browser would ("/\\evil.example" is another site to it), and the
    // result checked again the same way: a path that normalizes to "//evil.example" (from
    // "/..//evil.example", say) is another site once it is followed.
    const url = new URL(next, origin);
    const path = url.pathname + url.search;
    if (url.origin === origin && next.startsWith("/") && !/^[/\\]{2}/.test(path) &&
        new URL(path, origin).origin === origin) {
      return path;
    }
  } catch {
    // not a URL at all
  }
  return "/";
}

/** A sentence with a command in it, the command set as code. */
function withCommand(sentence: string, command: string) {
  const [before, after = ""] = sentence.split("{command}");
  return <>{before}<code>{command}</code>{after}</>;
}

export function SignIn() {
  const { t } = useWords();
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const next = nextPath(location.search);

  useEffect(() => {
    const useCode = () => {
      const code = new URLSearchParams(location.hash.slice(1)).get("code");
      if (!code) return false;
      // The code leaves the address bar at once, whatever happens next.
      history.replaceState(null, "", location.pathname + location.search);
      setBusy(true);
      setError(null);
      api.signIn({ code }).then(
        () => location.replace(next),
        () => { setBusy(false); setError(t("signin_link_used")); });
      return true;
    };
    if (!useCode()) {
      // Already signed in (a bookmark of this page): straight on.
      api.session().then(() => location.replace(next), () => undefined);
    }
    // A link pasted into this very tab changes only the #fragment: no new page load.
    const pasted = () => { useCode(); };
    window.addEventListener("hashchange", pasted);
    return () => window.removeEventListener("hashchange", pasted);
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn({ token: token.trim() });
      setToken("");
      location.replace(next);
    } catch (err) {
      setBusy(false);
      setError(t("signin_failed", { message: err instanceof HttpError ? err.message : String(err) }));
    }
  };

  return (
    <main class="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">{t("signin_title")}</h1>
        <label for="token">{t("signin_token")}</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck={false}
               value={token} required onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t("signing_in") : t("signin_submit")}</button>
        {error && <p class="error" role="alert">{error}</p>}
        <p class="hint">{withCommand(t("signin_help", { command: "{command}" }),
                                       "wallboard token create ACCOUNT --role view")}</p>
      </form>
    </main>
  );
}
