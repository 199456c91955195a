import { preload, preinit, version } from "react-dom";
import ConfirmDialog from "../components/ConfirmDialog.jsx";
import Toast from "../components/Toast.jsx";

export default function Home({ user = "guest" }) {
  preload("/fonts/inter.woff2", { as: "font", type: "font/woff2", crossOrigin: "anonymous" });
  preload("/hero.webp", { as: "image", fetchPriority: "high" });
  preinit("/styles/home.css", { as: "style", precedence: "default" });
  return (
    <>
      <h1>Hello, {user}</h1>
      <p>react-dom {version}</p>
      <ConfirmDialog title="Sign out">You will need to sign in again.</ConfirmDialog>
      <Toast>Welcome back!</Toast>
    </>
  );
}
