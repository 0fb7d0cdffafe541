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
  staff: "Needs / has",
  staff_cell: "{needed} / {has}",
  staff_unknown: "too little data",
  staff_title: "{needed} needed, {has} available · {rate} arrivals an hour · handle time {handle}",
  reason_few_arrivals: "Too few arrivals in the last 30 minutes to staff by",
  reason_no_handle_time: "No conversation has finished today: no handle time yet",
  moves_title: "Suggested moves",
  moves_none: "Every group has the staff it needs",
  moves_stuck: "{group} is short, and nobody can move without leaving another group short",
  move_lend: "{operator}: from {from} to {to}",
  effect: "{group}: service level {before} → {after}, wait {wait_before} → {wait_after}",
  still_short: "Still short of the target after these moves",
  operators_title: "Operators",
  group_filter: "Group",
  all_groups: "All groups",
  status: "Status",
  status_available: "Available",
  status_busy: "Busy",
  status_away: "Away",
  status_offline: "Offline",
  status_for: "for {age}",
  chats: "Chats",
  chats_cell: "{n} of {max}",
  silent: "Longest wait for a reply",
  silent_cell: "replied {age} ago",
  no_reply: "no reply for {age}",
  operators_none: "No operators",
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
  staff: "Нужно / есть",
  staff_cell: "{needed} / {has}",
  staff_unknown: "мало данных",
  staff_title: "Нужно {needed}, доступно {has} · {rate} обращений в час · время обработки {handle}",
  reason_few_arrivals: "Слишком мало обращений за последние 30 минут для расчета",
  reason_no_handle_time: "Сегодня еще нет завершенных диалогов: время обработки неизвестно",
  moves_title: "Рекомендуемые перемещения",
  moves_none: "Всем группам хватает операторов",
  moves_stuck: "В группе {group} не хватает операторов, но никого нельзя перевести без ущерба другой группе",
  move_lend: "{operator}: из {from} в {to}",
  effect: "{group}: уровень сервиса {before} → {after}, ожидание {wait_before} → {wait_after}",
  still_short: "После этих перемещений цель еще не достигнута",
  operators_title: "Операторы",
  group_filter: "Группа",
  all_groups: "Все группы",
  status: "Статус",
  status_available: "Доступен",
  status_busy: "Занят",
  status_away: "Отошел",
  status_offline: "Не в сети",
  status_for: "{age}",
  chats: "Чаты",
  chats_cell: "{n} из {max}",
  silent: "Дольше всего без ответа",
  silent_cell: "ответ {age} назад",
  no_reply: "без ответа {age}",
  operators_none: "Нет операторов",
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
