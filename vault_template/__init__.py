"""The starting vault: `.obsidian/` defaults and the note templates (data only, no code).

A package only so the folder ships in the wheel and `importlib.resources` finds it.
"""
