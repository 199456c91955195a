import * as Dialog from "@radix-ui/react-dialog";

// Closed on the server: the trigger renders, the portal's content waits for the browser.
export default function ConfirmDialog({ title, children }) {
  return (
    <Dialog.Root>
      <Dialog.Trigger className="button">{title}</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog">
          <Dialog.Title>{title}</Dialog.Title>
          <Dialog.Description>{children}</Dialog.Description>
          <Dialog.Close>Cancel</Dialog.Close>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
