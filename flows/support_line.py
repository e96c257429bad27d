"""Support line: business hours, language, a main menu with sub-menus, an agent, a specialist, or voicemail.

    closed → closed message + voicemail
    open   → language (1 English, 2 español) → main menu
             1 billing   → 1 existing account: account number (8 digits, read back) → agent (number in a SIP header)
                           2 new account → agent;  * main menu
             2 technical → 1 internet → specialist added to the call (caller on hold with music)
                           2 phone → agent;  0 agent;  * main menu
             3 voicemail
    agent / specialist unavailable → apology → 1 voicemail, 2 callback request

Dialed number: ``settings.flows.support_number``. Hours: ``CALLWRIGHT_IVR_HOURS`` / ``_TIMEZONE`` / ``_HOLIDAYS``.
"""

from __future__ import annotations

from app import CallActions, CallState, Log, OperationContext, Router
from app.events import IncomingCall
from config.settings import Settings
from handlers import (
    AgentTransfer,
    Digits,
    Farewell,
    LanguageChoice,
    Localized,
    Menu,
    Safety,
    Voicemail,
    closed_now,
    open_now,
)

router = Router(name="support_line")
Safety(router)

MAIN = Localized(
    {
        "en-US": "For billing, press 1. For technical support, press 2. To leave a message, press 3.",
        "es-MX": "Para facturación, oprima 1. Para soporte técnico, oprima 2. Para dejar un mensaje, oprima 3.",
    }
)
BILLING = Localized(
    {
        "en-US": "For an existing account, press 1. To open a new account, press 2. "
        "To return to the main menu, press star.",
        "es-MX": "Para una cuenta existente, oprima 1. Para abrir una cuenta nueva, oprima 2. "
        "Para volver al menú principal, oprima asterisco.",
    }
)
TECHNICAL = Localized(
    {
        "en-US": "For internet, press 1. For phone service, press 2. To talk to an agent, press 0. "
        "To return to the main menu, press star.",
        "es-MX": "Para internet, oprima 1. Para servicio telefónico, oprima 2. Para hablar con un agente, oprima 0. "
        "Para volver al menú principal, oprima asterisco.",
    }
)
ACCOUNT = Localized(
    {
        "en-US": "Please enter your eight digit account number, then press pound.",
        "es-MX": "Por favor ingrese su número de cuenta de ocho dígitos y luego oprima la tecla de número.",
    }
)
UNAVAILABLE = Localized(
    {
        "en-US": "To leave a message, press 1. To have us call you back, press 2.",
        "es-MX": "Para dejar un mensaje, oprima 1. Para que le devolvamos la llamada, oprima 2.",
    }
)
CLOSED = (
    "Thank you for calling. Our office is closed right now. "
    "Please leave a message after the tone, and press pound when you are done."
)
CALLBACK = Localized(
    {
        "en-US": "Thank you. We will call you back at the number you are calling from. Goodbye.",
        "es-MX": "Gracias. Le devolveremos la llamada al número desde el que llama. Adiós.",
    }
)
ACCOUNT_LENGTH = 8


class Welcome(OperationContext, prefix="support_line.welcome"):
    """Answered during business hours: ask for the language."""


class Closed(OperationContext, prefix="support_line.closed"):
    """Answered after hours: straight to voicemail."""


def dialed_support(event: IncomingCall, settings: Settings) -> bool:
    return event.to_number == settings.flows.support_number


def _account_header(state: CallState) -> dict[str, str]:
    account = state.get("account")
    return {"X-MS-Custom-Account": account} if isinstance(account, str) else {}


# --- kits: declared in any order, wired once they all exist, included into the flow -------------------------------

voicemail = Voicemail(name="voicemail")
after_hours_voicemail = Voicemail(name="closed_voicemail", prompt=CLOSED)
callback_goodbye = Farewell(name="callback_bye", message=CALLBACK)
main_menu = Menu(name="main", prompt=MAIN)
unavailable_menu = Menu(name="unavailable", prompt=UNAVAILABLE, fallback=voicemail)
agent = AgentTransfer(
    name="agent",
    target=lambda settings: settings.flows.agent_number,
    sip_headers=_account_header,
    on_unavailable=unavailable_menu,
)
specialist = AgentTransfer(
    name="specialist",
    mode="add",
    target=lambda settings: settings.flows.specialist_number,
    caller_id=lambda settings: settings.flows.support_number,
    hold_music=Localized(
        {
            "en-US": "Please hold while we connect you with a specialist.",
            "es-MX": "Por favor espere mientras lo comunicamos con un especialista.",
        }
    ),
    on_unavailable=unavailable_menu,
)
account = Digits(
    name="account",
    prompt=ACCOUNT,
    length=ACCOUNT_LENGTH,
    confirm=True,
    on_complete=agent,
    on_fail=agent,  # a person can still help without the number
)
billing_menu = Menu(name="billing", prompt=BILLING, fallback=agent)
technical_menu = Menu(name="technical", prompt=TECHNICAL, fallback=agent)
language = LanguageChoice(name="language", on_selected=main_menu)

main_menu.option("1", billing_menu).option("2", technical_menu).option("3", voicemail)
billing_menu.option("1", account).option("2", agent).option("*", main_menu)
technical_menu.option("1", specialist).option("2", agent).option("0", agent).option("*", main_menu)
unavailable_menu.option("1", voicemail)


@unavailable_menu.option("2")
async def request_callback(call: CallActions, state: CallState, log: Log) -> None:
    state["callback_requested"] = True
    log.info("callback_requested", number=call.party)
    await callback_goodbye.start(call, state)


router.include(
    language,
    main_menu,
    billing_menu,
    technical_menu,
    account,
    agent,
    specialist,
    unavailable_menu,
    voicemail,
    after_hours_voicemail,
    callback_goodbye,
)


# --- entry ---------------------------------------------------------------------------------------------------------


@router.incoming_call(when=[dialed_support, closed_now])
async def answer_closed(call: CallActions, log: Log) -> None:
    log.info("support_line_closed")
    await call.answer(context=Closed())


@router.incoming_call(when=[dialed_support, open_now])
async def answer_open(call: CallActions) -> None:
    await call.answer(context=Welcome())


@router.call_connected(context=Closed)
async def closed_message(call: CallActions, state: CallState) -> None:
    await after_hours_voicemail.start(call, state)


@router.call_connected(context=Welcome)
async def welcome(call: CallActions, state: CallState) -> None:
    await language.start(call, state)
