import { preload } from "react-dom";
import SettingsTabs from "../../../components/SettingsTabs.jsx";
import SaveButton from "../../../components/SaveButton.jsx";
import ConfirmDialog from "../../../components/ConfirmDialog.jsx";

export default function Settings({ params }) {
  preload(`/api/settings/${params.tab}.json`, { as: "fetch", crossOrigin: "anonymous" });
  return (
    <form action="/settings" method="post">
      <SettingsTabs active={params.tab} />
      <SaveButton />
      <ConfirmDialog title="Reset settings">This restores the defaults.</ConfirmDialog>
    </form>
  );
}
