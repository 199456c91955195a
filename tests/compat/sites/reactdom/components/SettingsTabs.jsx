import * as Tabs from "@radix-ui/react-tabs";

export default function SettingsTabs({ active = "account" }) {
  return (
    <Tabs.Root defaultValue={active} orientation="horizontal" className="tabs">
      <Tabs.List aria-label="Manage your account" className="tabs-list">
        <Tabs.Trigger value="account">Account</Tabs.Trigger>
        <Tabs.Trigger value="password">Password</Tabs.Trigger>
        <Tabs.Trigger value="danger" disabled>
          Danger zone
        </Tabs.Trigger>
      </Tabs.List>
      <Tabs.Content value="account">
        <p>Make changes to your account here.</p>
      </Tabs.Content>
      <Tabs.Content value="password">
        <p>Change your password here.</p>
      </Tabs.Content>
      <Tabs.Content value="danger" forceMount hidden={active !== "danger"}>
        <p>Delete everything.</p>
      </Tabs.Content>
    </Tabs.Root>
  );
}
