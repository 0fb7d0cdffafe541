// The dashboard's words in English and Russian. The figures' names come from the registry
// (src/wallboard/figures.py, through generated/figures.ts), after METRICS.md section 7.
import { FIGURES, type FigureName } from "./generated/figures";

export type Lang = "en" | "ru";
export const LANGS: readonly Lang[] = ["en", "ru"];

function figureWords(lang: Lang): Record<FigureName, string> & { sl: string } {
  const words = Object.fromEntries(
    Object.entries(FIGURES).map(([name, figure]) => [name, figure[lang]]));
  return { ...words, sl: FIGURES.service_level[lang] } as Record<FigureName, string> &
    { sl: string };
}

const en = {
  ...figureWords("en"),
  title: "Wallboard",
  channels: "Channels",
  groups: "Groups",
  name: "Name",
  today_chart: "Today",
  no_group: "No group",
  topics: "Top topics today",
  topics_none: "No topics yet",
  arrivals_chart: "Arrivals",
  queue_chart: "In queue (peak)",
  wait_chart: "Queue wait (average, s)",
  this_day: "This day",
  week_ago: "Same weekday last week",
  live: "Live",
  updated: "updated {age} ago",
  reconnecting: "Reconnecting…",
  stale: "No update for {age}",
  connecting: "Connecting…",
  date: "Day",
  back_to_today: "Back to today",
  past_day: "Viewing {date}: counters of that day; live gauges are hidden",
  thresholds: "Thresholds",
  amber: "Amber above",
  red: "Red above",
  sl_amber: "Amber below",
  sl_red: "Red below",
  save: "Save",
  cancel: "Cancel",
  saved: "Saved",
  sign_out: "Sign out",
  language: "Language",
  theme: "Theme",
  theme_light: "Light",
  theme_dark: "Dark",
  sort_by: "Sort by {column}",
  level_amber: "warning",
  level_red: "critical",
  signin_title: "Sign in to Wallboard",
  signin_token: "Access token (view or admin)",
  signin_submit: "Sign in",
  signin_help: "Paste a token from `wallboard token create ACCOUNT --role view`. The browser keeps only a session cookie, never the token.",
  signin_link_used: "This sign-in link was already used or has expired. Ask for a new one or paste a token.",
  signin_failed: "Sign-in failed: {message}",
  signing_in: "Signing in…",
  total: "Total",
  kind: "Kind",
  loading: "Loading…",
  local_time: "Local time of the account",
  tv_rotation: "Tabs change every 20 seconds",
  unserved_breakdown: "unassigned {u} · canceled {c} · missed {m}",
  per_group: "By group",
  error: "Error: {message}",
};

export type Key = keyof typeof en;

const ru: Record<Key, string> = {
  ...figureWords("ru"),
  title: "Wallboard",
  channels: "Каналы",
  groups: "Группы",
  name: "Название",
  today_chart: "За день",
  no_group: "Без группы",
  topics: "Популярные темы за день",
  topics_none: "Тем пока нет",
  arrivals_chart: "Поступило",
  queue_chart: "В очереди (пик)",
  wait_chart: "Ожидание в очереди (среднее, с)",
  this_day: "Этот день",
  week_ago: "Тот же день неделю назад",
  live: "В эфире",
  updated: "обновлено {age} назад",
  reconnecting: "Переподключение…",
  stale: "Нет обновлений {age}",
  connecting: "Подключение…",
  date: "День",
  back_to_today: "Вернуться к сегодня",
  past_day: "Показан {date}: счетчики того дня; текущие показатели скрыты",
  thresholds: "Пороги",
  amber: "Желтый выше",
  red: "Красный выше",
  sl_amber: "Желтый ниже",
  sl_red: "Красный ниже",
  save: "Сохранить",
  cancel: "Отмена",
  saved: "Сохранено",
  sign_out: "Выйти",
  language: "Язык",
  theme: "Тема",
  theme_light: "Светлая",
  theme_dark: "Темная",
  sort_by: "Сортировать по столбцу «{column}»",
  level_amber: "внимание",
  level_red: "критично",
  signin_title: "Вход в Wallboard",
  signin_token: "Токен доступа (view или admin)",
  signin_submit: "Войти",
  signin_help: "Вставьте токен из `wallboard token create ACCOUNT --role view`. Браузер хранит только cookie сессии, но не токен.",
  signin_link_used: "Эта ссылка для входа уже использована или устарела. Запросите новую или вставьте токен.",
  signin_failed: "Не удалось войти: {message}",
  signing_in: "Вход…",
  total: "Итого",
  kind: "Тип",
  loading: "Загрузка…",
  local_time: "Местное время аккаунта",
  tv_rotation: "Вкладки меняются каждые 20 секунд",
  unserved_breakdown: "неназначенные {u} · отмененные {c} · пропущенные {m}",
  per_group: "По группам",
  error: "Ошибка: {message}",
};

const DICTS: Record<Lang, Record<Key, string>> = { en, ru };

export function translate(lang: Lang, key: Key, vars: Record<string, string | number> = {}): string {
  return DICTS[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ""));
}

/** The first of the browser's languages we speak, English otherwise. */
export function pickLang(preferred: readonly string[]): Lang {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if ((LANGS as readonly string[]).includes(base)) return base as Lang;
  }
  return "en";
}

const KINDS: Record<string, [string, string]> = {
  web_chat: ["Site chat", "Чат на сайте"],
  mobile_chat: ["Mobile chat", "Мобильный чат"],
  email: ["Email", "Почта"],
  telegram: ["Telegram", "Telegram"],
  whatsapp: ["WhatsApp", "WhatsApp"],
  viber: ["Viber", "Viber"],
  vk: ["VK", "ВКонтакте"],
  facebook: ["Facebook", "Facebook"],
  instagram: ["Instagram", "Instagram"],
  ok: ["OK", "Одноклассники"],
  sms: ["SMS", "SMS"],
  api: ["API", "API"],
  offline_form: ["Offline form", "Офлайн-форма"],
  callback: ["Callback", "Обратный звонок"],
  other: ["Other", "Другое"],
};

export function kindName(kind: string, lang: Lang): string {
  const names = KINDS[kind];
  return names ? names[lang === "ru" ? 1 : 0] : kind;
}
