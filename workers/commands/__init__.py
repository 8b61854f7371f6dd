"""The `newswire` subcommands, one module each, and the parser (`cli`). May import every
other layer; nothing imports them."""
