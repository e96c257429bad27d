"""Identity and Rooms: enough of the two ACS REST APIs for the official ``azure-communication-identity`` and
``azure-communication-rooms`` clients (users and tokens; rooms and their participants), signed with the same HMAC
as Call Automation. Rooms created here are the rooms ``connect`` with a ``roomCallLocator`` joins."""
