// Small line icons drawn here (no icon font): a channel's kind and a threshold's level.
import type { Level } from "../thresholds";
import { useWords } from "../context";

const PATHS: Record<string, string> = {
  chat: "M3 4h14a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H8l-4 3v-3H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z",
  mail: "M2 5h16v10H2z M2 5l8 6 8-6",
  plane: "M2 9l16-6-4 14-4-5-5 3 1-5z",
  phone: "M5 2h4l1 4-2 1a9 9 0 0 0 5 5l1-2 4 1v4a2 2 0 0 1-2 2A15 15 0 0 1 3 4a2 2 0 0 1 2-2z",
  form: "M4 2h12v16H4z M7 6h6 M7 10h6 M7 14h3",
  code: "M7 5l-5 5 5 5 M13 5l5 5-5 5",
  camera: "M3 6h4l2-2h2l2 2h4v10H3z M10 8a3 3 0 1 0 0 6 3 3 0 0 0 0-6z",
  people: "M7 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M2 17c0-3 2-5 5-5s5 2 5 5 M14 9a2.5 2.5 0 1 0 0-5 M14 12c2 0 4 2 4 5",
  dot: "M10 6a4 4 0 1 0 0 8 4 4 0 0 0 0-8z",
};

const KIND_ICON: Record<string, string> = {
  web_chat: "chat", mobile_chat: "chat", email: "mail", telegram: "plane", whatsapp: "phone",
  viber: "phone", sms: "phone", callback: "phone", vk: "people", ok: "people",
  facebook: "people", instagram: "camera", api: "code", offline_form: "form", other: "dot",
};

export function KindIcon({ kind }: { kind: string }) {
  return (
    <svg class="icon" viewBox="0 0 20 20" width="1.1em" height="1.1em" aria-hidden="true"
         focusable="false">
      <path d={PATHS[KIND_ICON[kind] ?? "dot"]} fill="none" stroke="currentColor"
            stroke-width="1.6" stroke-linejoin="round" stroke-linecap="round" />
    </svg>
  );
}

/** A level is never shown by colour alone: amber gets a triangle, red a filled square. */
export function LevelMark({ level }: { level: Level }) {
  const { t } = useWords();
  if (level === "ok") return null;
  return (
    <span class={`mark mark-${level}`} role="img" aria-label={t(`level_${level}`)}
          title={t(`level_${level}`)}>
      {level === "red" ? "■" : "▲"}
    </span>
  );
}
