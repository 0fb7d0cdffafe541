import { render } from "preact";
import { useMemo, useState } from "preact/hooks";
import { App } from "./app";
import { SignIn } from "./components/SignIn";
import { WordsContext, words } from "./context";
import { type Lang, LANGS, pickLang } from "./i18n";
import { remember, stored } from "./prefs";
import "./styles.css";

// Preferences only (language, theme): never a token or anything secret.
const LANG_KEY = "wallboard.lang";
const THEME_KEY = "wallboard.theme";

function Root() {
  const params = new URLSearchParams(location.search);
  const tv = params.get("view") === "tv";
  const initialLang = (params.get("lang") ?? stored(LANG_KEY)) as Lang | null;
  const [lang, setLang] = useState<Lang>(
    initialLang && LANGS.includes(initialLang) ? initialLang : pickLang(navigator.languages));
  const [theme, setTheme] = useState<string>(
    tv ? "dark" : stored(THEME_KEY) ??
      (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));

  // Set while rendering, not in an effect: the charts read the theme's colours and the wall
  // screen's type size in their own effects, which run before this component's would.
  const root = document.documentElement;
  root.lang = lang;
  root.dataset.theme = theme;
  root.classList.toggle("tv", tv);

  const chooseLang = (value: Lang) => { setLang(value); remember(LANG_KEY, value); };
  const chooseTheme = (value: string) => { setTheme(value); remember(THEME_KEY, value); };
  return (
    <WordsContext.Provider value={useMemo(() => words(lang), [lang])}>
      {location.pathname === "/signin"
        ? <SignIn />
        : <App tv={tv} theme={theme} onTheme={chooseTheme} onLang={chooseLang} />}
    </WordsContext.Provider>
  );
}

render(<Root />, document.getElementById("app")!);
