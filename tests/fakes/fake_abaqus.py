"""A fake of the Abaqus kernel's `abaqus` module: the `getInput` dialog, answers scripted."""

from typing import List, Optional, Tuple

answers: List[Optional[str]] = []
prompts: List[Tuple[str, str]] = []


def getInput(prompt: str, default: str = "") -> Optional[str]:
    prompts.append((prompt, default))
    return answers.pop(0)
