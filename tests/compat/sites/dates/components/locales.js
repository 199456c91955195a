import { enUS, de, ja } from "date-fns/locale";

export const locales = {
  "en-US": { dateFns: enUS, label: "English (US)" },
  de: { dateFns: de, label: "Deutsch" },
  ja: { dateFns: ja, label: "日本語" },
};

// Fixed moments: the page is the same on every day it renders.
export const NOW = new Date(Date.UTC(2024, 5, 15, 12, 0, 0));
export const events = {
  launch: { title: "Launch", at: new Date(Date.UTC(2024, 6, 1, 9, 30, 0)), price: 1499.5, seats: 1200 },
  retro: { title: "Retro", at: new Date(Date.UTC(2023, 11, 24, 18, 45, 0)), price: 0, seats: 35 },
};
