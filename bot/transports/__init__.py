"""Chat platforms as thin adapters over the command core: console, Telegram, Matrix."""
