"""Live media of the emulator: transcription and audio streaming over WebSockets to the app's ``transportUrl``.

ACS opens a WebSocket to the app (with a 24-hour JWT), sends a metadata message, then a message per transcribed
phrase or per 20 ms audio frame. The emulator does the same from the simulated world: what a party says becomes
``TranscriptionData``; a party's speech, DTMF and silence become real PCM ``AudioData`` frames.
"""
