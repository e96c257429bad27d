"""The Lua scripts behind the Redis store: each store operation is one script, so one round trip, and atomic.

Times come from Redis's own clock (``TIME``), so instances with skewed clocks agree on leases. Every key a script
writes gets a TTL. Statuses returned to Python are small integers, read in :mod:`app.state.redis_store`.

Keys are passed in, never built here (a script touches only its ``KEYS``), so the store alone decides the layout.
"""

from __future__ import annotations

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# ARGV: token, lease_ms, keep_ms (how long a processing claim remembers its first time), on KEYS[1] the claim hash.
# Fields: s = P (processing) | D (done); t = owner token; u = lease deadline (ms); f = first claim time (ms);
# n = how many times the event was acquired.  Returns {1, first_ms, n} acquired; {2, ms_left} processing; {3} done.
_CLAIM_FUNCTION = """
local function claim()
  local token, lease, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
  local s = redis.call('HMGET', KEYS[1], 's', 't', 'u', 'f', 'n')
  if s[1] == 'D' then return {3} end
  if s[1] == 'P' and tonumber(s[3]) > now then return {2, tonumber(s[3]) - now} end
  local first = tonumber(s[4]) or now
  local runs = (tonumber(s[5]) or 0) + 1
  redis.call('HSET', KEYS[1], 's', 'P', 't', token, 'u', now + lease, 'f', first, 'n', runs)
  redis.call('PEXPIRE', KEYS[1], math.max(keep, lease))
  return {1, first, runs}
end
"""

# KEYS[1] claim hash.  ARGV: token, lease_ms, keep_ms.  Reply: claim's (above).
CLAIM = _NOW + _CLAIM_FUNCTION + "\nreturn claim()\n"

# KEYS[1] claim hash.  ARGV: token, mode (done | abandon), dedup_ms.  A no-op unless ``token`` owns the live claim.
# Abandoning ends the lease now but keeps the first claim time, so a re-run repeats its ACS requests with the same
# Repeatability-First-Sent.
SETTLE = (
    _NOW
    + """
local s = redis.call('HMGET', KEYS[1], 's', 't', 'u')
if s[1] ~= 'P' or s[2] ~= ARGV[1] or tonumber(s[3]) <= now then return 0 end
if ARGV[2] == 'done' then
  redis.call('HSET', KEYS[1], 's', 'D')
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
else
  redis.call('HSET', KEYS[1], 'u', 0)
end
return 1
"""
)

# Wake the waiter at the head of a lock's queue: PUBLISH its token on the channel of the process that queued it
# (``<wake prefix><tag>``, the tag being the token's part before its first '.'), so the lock is handed over as soon
# as it is free instead of at the waiter's next poll. A head that is gone (dead, gave up) costs one message nobody
# reads; the waiters' own polls are the fallback.
_WAKE_FUNCTION = """
local function wake_head(queue, wake_prefix)
  local head = redis.call('ZRANGE', queue, 0, 0)[1]
  if head then
    local tag = string.match(head, '^([^.]+)%.')
    if tag then redis.call('PUBLISH', wake_prefix .. tag, head) end
  end
end
"""

# Fair lease lock, then load.  K (a key table): 1 holder, 2 fence counter, 3 queue (zset by ticket), 4 waiter
# liveness (zset by deadline), 5 ticket counter, 6 document hash ('' = none), 7 seed ('' = none).
# A waiter joins the queue on its first attempt and must poll again within waiter_ttl ms, or it is dropped (it
# died or gave up). Returns {1, fence, version, data, seed} when granted, {0} while waiting. A caller that finds
# the lock free but is not at the head (the head was just woken, or its wake was lost) wakes the head again.
_ACQUIRE_FUNCTION = (
    _WAKE_FUNCTION
    + """
local function acquire(K, token, lease, waiter_ttl, keep, wake_prefix)
  local dead = redis.call('ZRANGEBYSCORE', K[4], '-inf', now)
  for i = 1, #dead do
    redis.call('ZREM', K[3], dead[i])
    redis.call('ZREM', K[4], dead[i])
  end
  local holder = redis.call('GET', K[1])
  if holder ~= token and (holder or redis.call('ZCARD', K[3]) > 0) then
    if not redis.call('ZSCORE', K[3], token) then
      redis.call('ZADD', K[3], redis.call('INCR', K[5]), token)
    end
    if holder or redis.call('ZRANGE', K[3], 0, 0)[1] ~= token then
      if not holder then wake_head(K[3], wake_prefix) end
      redis.call('ZADD', K[4], now + waiter_ttl, token)
      local ttl = lease + waiter_ttl
      for i = 3, 5 do redis.call('PEXPIRE', K[i], ttl) end
      return {0}
    end
    redis.call('ZREM', K[3], token)
    redis.call('ZREM', K[4], token)
  end
  redis.call('SET', K[1], token, 'PX', lease)
  local fence = redis.call('INCR', K[2])
  redis.call('PEXPIRE', K[2], keep)
  local version, data, seed = 0, '', ''
  if K[6] ~= '' then
    local doc = redis.call('HMGET', K[6], 'v', 'd')
    version, data = tonumber(doc[1]) or 0, doc[2] or ''
  end
  if K[7] ~= '' and data == '' then
    seed = redis.call('GET', K[7]) or ''
    if seed ~= '' then redis.call('DEL', K[7]) end
  end
  return {1, fence, version, data, seed}
end
"""
)

# KEYS: the lock's 7 keys (see _ACQUIRE_FUNCTION).  ARGV: token, lease_ms, waiter_ttl_ms, fence_keep_ms,
# wake_prefix.
ACQUIRE = (
    _NOW
    + _ACQUIRE_FUNCTION
    + """
return acquire(KEYS, ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5])
"""
)

# Claim the event and, when acquired, try its call's lock in the same round trip.  KEYS: 1 claim hash, 2-8 the
# lock's keys (see _ACQUIRE_FUNCTION).  ARGV: 1 claim token, 2 lease_ms, 3 keep_ms, 4 lock token, 5 lock lease_ms,
# 6 waiter_ttl_ms, 7 fence_keep_ms, 8 wake_prefix.  Reply: {3} done; {2, ms_left} processing;
# {1, first_ms, n, <acquire's reply>} acquired (the lock granted, or the caller queued for it, as ACQUIRE's first
# attempt).
CLAIM_LOCK = (
    _NOW
    + _CLAIM_FUNCTION
    + _ACQUIRE_FUNCTION
    + """
local claimed = claim()
if claimed[1] ~= 1 then return claimed end
local lock = {KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]}
local held = acquire(lock, ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8])
return {1, claimed[2], claimed[3], held[1], held[2], held[3], held[4], held[5]}
"""
)

# KEYS: 1 holder, 2 queue, 3 liveness.  ARGV: token, wake_prefix.  Release a held lock, or leave the queue (gave
# up, cancelled); a lock left free wakes the next waiter.
LEAVE = (
    _WAKE_FUNCTION
    + """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('DEL', KEYS[1]) end
if holder == ARGV[1] or not holder then wake_head(KEYS[2], ARGV[2]) end
return 1
"""
)

# Renew a long handler's claim and locks, all or nothing.  KEYS: 1 claim hash ('' = none), then one holder per
# lease.  ARGV: 1 claim token, 2 claim_ms, 3 lease_ms, 4 keep_ms, then one token per lease.
# Reply: 1 renewed; 0 something was lost (nothing extended).
RENEW = (
    _NOW
    + """
local claim_ms, lease_ms, keep = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if KEYS[1] ~= '' then
  local s = redis.call('HMGET', KEYS[1], 's', 't', 'u')
  if s[1] ~= 'P' or s[2] ~= ARGV[1] or tonumber(s[3]) <= now then return 0 end
end
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[3 + i] then return 0 end
end
if KEYS[1] ~= '' then
  redis.call('HSET', KEYS[1], 'u', now + claim_ms)
  redis.call('PEXPIRE', KEYS[1], math.max(keep, claim_ms))
end
for i = 2, #KEYS do redis.call('PEXPIRE', KEYS[i], lease_ms) end
return 1
"""
)

# Commit: compare-and-set the writes, finish the claim, release the leases (waking each lock's next waiter); all or
# nothing.  KEYS: 1 claim hash ('' = none), then per write: document hash, holder of its lease; then per release:
# holder, queue.  ARGV: 1 claim token, 2 dedup_ms, 3 number of writes, 4 wake_prefix, then per write: lease token,
# fence, expected version, data ('' = delete), ttl_ms; then per release: token.
# Reply: {1} applied; {-1, n} write n's lease is not the holder's; {-2, n} write n's version moved.
COMMIT = (
    _NOW
    + _WAKE_FUNCTION
    + """
local writes = tonumber(ARGV[3])
local function release_all()
  local first_key, first_token = 2 + writes * 2, 5 + writes * 5
  for r = 0, (#KEYS - first_key + 1) / 2 - 1 do
    local holder, queue = KEYS[first_key + 2 * r], KEYS[first_key + 2 * r + 1]
    if redis.call('GET', holder) == ARGV[first_token + r] then
      redis.call('DEL', holder)
      wake_head(queue, ARGV[4])
    end
  end
end
for n = 1, writes do
  local doc, holder, a = KEYS[2 * n], KEYS[2 * n + 1], 5 + (n - 1) * 5
  if redis.call('GET', holder) ~= ARGV[a] then release_all() return {-1, n} end
  local current = tonumber(redis.call('HGET', doc, 'v')) or 0
  if current ~= tonumber(ARGV[a + 2]) then release_all() return {-2, n} end
end
for n = 1, writes do
  local doc, a = KEYS[2 * n], 5 + (n - 1) * 5
  if ARGV[a + 3] == '' then
    redis.call('DEL', doc)
  else
    redis.call('HSET', doc, 'v', tonumber(ARGV[a + 2]) + 1, 'd', ARGV[a + 3], 'f', ARGV[a + 1])
    redis.call('PEXPIRE', doc, tonumber(ARGV[a + 4]))
  end
end
if KEYS[1] ~= '' then
  local s = redis.call('HMGET', KEYS[1], 's', 't', 'u')
  if s[1] == 'P' and s[2] == ARGV[1] and tonumber(s[3]) > now then
    redis.call('HSET', KEYS[1], 's', 'D')
    redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  end
end
release_all()
return {1}
"""
)

# KEYS: 1 journal hash.  ARGV: position, entry (JSON), ttl_ms.  Record (or replace) one action of an event.
JOURNAL = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""
