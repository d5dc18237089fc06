"""Report types, drafts and the dialog engine. Nothing here knows about Telegram."""
