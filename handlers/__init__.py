"""IVR kits for flows: menus, digit entry, business hours, language, agent transfer, voicemail, safety.

Each kit is a router; a flow declares its kits, wires them, and includes them (in any order)::

    from handlers import Menu, Safety, Voicemail

    router = Router(name="support_line")
    Safety(router)
    voicemail = Voicemail(name="voicemail")
    main_menu = Menu(name="main", prompt="To leave a message press 3.", options={"3": voicemail})
    router.include(main_menu, voicemail)

See ``docs/ivr.md``.
"""

from handlers.agent_transfer import AgentTransfer, classify
from handlers.digits import Digits, read_back, valid_date
from handlers.farewell import Farewell
from handlers.hours import CLOCK, BusinessHours, closed_now, open_now
from handlers.kit import Attempts, Kit, KitNotIncluded, Route, Target
from handlers.language import ENGLISH, SPANISH, Language, LanguageChoice
from handlers.menu import Menu
from handlers.prompting import Localized, PromptSpec, render
from handlers.safety import Safety
from handlers.voicemail import Voicemail

__all__ = [
    "CLOCK",
    "ENGLISH",
    "SPANISH",
    "AgentTransfer",
    "Attempts",
    "BusinessHours",
    "Digits",
    "Farewell",
    "Kit",
    "KitNotIncluded",
    "Language",
    "LanguageChoice",
    "Localized",
    "Menu",
    "PromptSpec",
    "Route",
    "Safety",
    "Target",
    "Voicemail",
    "classify",
    "closed_now",
    "open_now",
    "read_back",
    "render",
    "valid_date",
]
