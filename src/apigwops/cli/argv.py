"""Global options anywhere on the line, as the AWS CLI accepts them: `apigwops diagnose ... -o json`.

Click only parses a group's options before its subcommand, so `run()` rewrites the argument list first: every
global option (the root callback's own parameters, so the list is declared once, in `cli/__init__.py`) found
after the command is moved in front of the command, with its value. Rules:

- a command's own option of the same name wins (`cost estimate --region R` is the region to price);
- tokens after `--`, and values of the command's own options, are never touched;
- when a global option is given twice, the later one on the line wins (Click keeps the last value).

Pre-processing keeps every command's signature free of a copied option bundle and keeps `--help` showing the
global options once, at the top.
"""

from __future__ import annotations

from typing import Any


def _options(command: Any) -> dict[str, bool]:
    """Option name -> whether it takes a value, for one command or group."""
    names: dict[str, bool] = {}
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") != "option":
            continue
        takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
        for name in [*param.opts, *param.secondary_opts]:
            names[name] = takes_value
    return names


def hoist_global_options(root: Any, args: list[str]) -> list[str]:
    """`args` with the root's options that follow a command moved to just before the first command name."""
    global_names = _options(root)
    prefix: list[str] = []  # up to the first command name
    hoisted: list[str] = []
    rest: list[str] = []
    current: Any = None  # the command (group or leaf) whose arguments we are reading
    local: dict[str, bool] = {}
    i = 0
    while i < len(args):
        token = args[i]
        has_next = i + 1 < len(args)
        if token == "--":
            (rest if current is not None else prefix).extend(args[i:])
            break
        if current is None:
            if token.startswith("-") and token != "-":
                name, eq, _ = token.partition("=")
                take = global_names.get(name, False) and not eq and has_next
                prefix.extend(args[i : i + 2] if take else [token])
                i += 2 if take else 1
                continue
            current = root.commands.get(token) if hasattr(root, "commands") else None
            rest.append(token)
            if current is None:  # unknown command: leave the rest to Click's error message
                rest.extend(args[i + 1 :])
                break
            local = _options(current)
            i += 1
            continue
        if token.startswith("-") and token != "-":
            name, eq, _ = token.partition("=")
            short = token[:2] if not token.startswith("--") and len(token) > 2 else None
            if name in local or (short is not None and short in local):
                take = local.get(name, False) and not eq and has_next
                rest.extend(args[i : i + 2] if take else [token])
                i += 2 if take else 1
            elif name in global_names:
                take = global_names[name] and not eq and has_next
                hoisted.extend(args[i : i + 2] if take else [token])
                i += 2 if take else 1
            elif short is not None and global_names.get(short):  # -ojson
                hoisted.append(token)
                i += 1
            else:
                rest.append(token)
                i += 1
            continue
        subcommands = getattr(current, "commands", None)
        if subcommands is not None and token in subcommands:
            current = subcommands[token]
            local = _options(current)
        rest.append(token)
        i += 1
    return [*prefix, *hoisted, *rest]


def note_global_options(root: Any) -> None:
    """End every command's --help with the global options it also accepts (their help is in `apigwops --help`)."""
    import textwrap

    options = [p for p in getattr(root, "params", []) if getattr(p, "param_type_name", "") == "option"]
    names = " ".join(
        p.opts[0] for p in options if p.expose_value and not p.is_eager
    )  # not --version, completion
    lines = textwrap.wrap(names, 76, break_on_hyphens=False)
    # "\b" keeps Click from re-wrapping the paragraph (it would split option names at their hyphens).
    note = "\b\nGlobal options, before or after the command (see 'apigwops --help'):\n" + "\n".join(
        f"  {line}" for line in lines
    )

    def visit(command: Any) -> None:
        for sub in getattr(command, "commands", {}).values():
            sub.epilog = f"{sub.epilog}\n\n{note}" if sub.epilog else note
            visit(sub)

    visit(root)
