import { formatVersion } from "./format";
import site from "../app/site.json";

export default function Footer() {
  return <footer>{site.title} · {formatVersion(site.version)}</footer>;
}
