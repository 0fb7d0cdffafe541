// This browser's preferences (language, theme, how alerts call): never a token or anything
// secret. Private modes may refuse the storage: then they are not remembered.
export function stored(key: string): string | null {
  try { return localStorage.getItem(key); } catch { return null; }
}

export function remember(key: string, value: string) {
  try { localStorage.setItem(key, value); } catch { /* private mode: not remembered */ }
}
