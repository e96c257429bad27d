"""The Lua scripts behind the Redis store: each store operation is one script, so one round trip, and atomic.

Times come from Redis's own clock (``TIME``), so instances with skewed clocks agree on leases. Every key a script
writes gets a TTL. The keys of one call share a hash tag (``{...}``), so a script touching them stays in one slot.

Statuses returned to Python are small integers, named in :mod:`app.state.redis_store`.
"""

from __future__ import annotations

# Helpers prepended to every script.
_PRELUDE = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
"""

# KEYS[1] claim hash, KEYS[2] journal hash.  ARGV: token, lease_ms, keep_ms.
# Hash fields: s = P (processing) | D (done); t = owner token; u = lease deadline (ms); f = first claim time (ms).
# Returns {status, first_ms, journal...}: 1 acquired, 2 processing (+ remaining lease ms), 3 done.
CLAIM = (
    _PRELUDE
    + """
local now = now_ms()
local token, lease, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local s = redis.call('HMGET', KEYS[1], 's', 't', 'u', 'f')
if s[1] == 'D' then return {3, tonumber(s[4]) or 0} end
if s[1] == 'P' and s[2] ~= token and tonumber(s[3]) > now then return {2, tonumber(s[3]) - now} end
local first = tonumber(s[4]) or now
redis.call('HSET', KEYS[1], 's', 'P', 't', token, 'u', now + lease, 'f', first)
redis.call('PEXPIRE', KEYS[1], keep)
local reply = {1, first}
if s[1] == 'P' then
  local journal = redis.call('HGETALL', KEYS[2])
  for i = 1, #journal do reply[#reply + 1] = journal[i] end
end
return reply
"""
)

# KEYS[1] claim hash.  ARGV: token, mode (done | abandon), keep_ms.  A no-op unless ``token`` owns the claim.
# Abandoning keeps the first claim time (a re-run repeats its ACS requests with the same first-sent time).
SETTLE = (
    _PRELUDE
    + """
local s = redis.call('HMGET', KEYS[1], 's', 't')
if s[1] ~= 'P' or s[2] ~= ARGV[1] then return 0 end
if ARGV[2] == 'done' then
  redis.call('HSET', KEYS[1], 's', 'D')
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
else
  redis.call('HSET', KEYS[1], 'u', 0)
end
return 1
"""
)

# Fair lease lock + load.  KEYS[1] holder, KEYS[2] fence counter, KEYS[3] queue zset, KEYS[4] waiter-liveness zset,
# KEYS[5] ticket counter, KEYS[6] the document hash.  ARGV: token, lease_ms, waiter_ttl_ms, keep_ms.
# A waiter joins the queue on its first attempt and must poll within waiter_ttl_ms, or it is dropped (it died).
# Returns {1, fence, version, data} when acquired, {0, position} while waiting.
ACQUIRE = (
    _PRELUDE
    + """
local now = now_ms()
local token, lease, waiter_ttl, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local dead = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)
for i = 1, #dead do
  redis.call('ZREM', KEYS[3], dead[i])
  redis.call('ZREM', KEYS[4], dead[i])
end
local holder = redis.call('GET', KEYS[1])
local queued = redis.call('ZCARD', KEYS[3])
if holder ~= token and (holder or queued > 0) then
  if not redis.call('ZSCORE', KEYS[3], token) then
    redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[5]), token)
  end
  local head = redis.call('ZRANGE', KEYS[3], 0, 0)
  if holder or head[1] ~= token then
    redis.call('ZADD', KEYS[4], now + waiter_ttl, token)
    for i = 3, 5 do redis.call('PEXPIRE', KEYS[i], keep) end
    return {0, redis.call('ZRANK', KEYS[3], token)}
  end
  redis.call('ZREM', KEYS[3], token)
  redis.call('ZREM', KEYS[4], token)
end
redis.call('SET', KEYS[1], token, 'PX', lease)
local fence = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], keep)
local doc = redis.call('HMGET', KEYS[6], 'v', 'd')
return {1, fence, tonumber(doc[1]) or 0, doc[2] or ''}
"""
)

# KEYS[1] holder, KEYS[2] queue, KEYS[3] liveness.  ARGV: token.  Leave the queue (gave up) or release the lock.
LEAVE = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""

# KEYS[1] holder.  ARGV: token, lease_ms.  Extend a held lease; 0 when it was lost.
EXTEND = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""

# Commit: CAS-save (or delete) documents, settle the event claim, release the lock, all or nothing.
# KEYS[1] holder, KEYS[2] claim hash ('' when there is none), KEYS[3..] document hashes.
# ARGV: token, fence, claim_token, dedup_keep_ms, doc_keep_ms, then per document: expected_version, data|'' (delete).
# Returns {1, new versions...}; {-1} lease lost; {-2, index} version moved.  A repeat of an applied commit (its
# reply was lost) finds the claim done by the same token and answers {1} without writing again.
COMMIT = """
local token, fence, claim_token = ARGV[1], ARGV[2], ARGV[3]
local dedup_keep, doc_keep = tonumber(ARGV[4]), tonumber(ARGV[5])
if KEYS[2] ~= '' then
  local s = redis.call('HMGET', KEYS[2], 's', 't')
  if s[1] == 'D' and s[2] == claim_token then return {1} end
end
if redis.call('GET', KEYS[1]) ~= token then
  -- Lease gone: either lost, or this very commit already ran (it released the lock) and its reply was lost.
  for i = 3, #KEYS do
    local doc = redis.call('HMGET', KEYS[i], 'v', 'f')
    local expected = tonumber(ARGV[6 + (i - 3) * 2])
    if doc[2] ~= fence or tonumber(doc[1]) ~= expected + 1 then return {-1} end
  end
  if #KEYS > 2 then return {1} end
  return {-1}
end
for i = 3, #KEYS do
  local expected = tonumber(ARGV[6 + (i - 3) * 2])
  local current = tonumber(redis.call('HGET', KEYS[i], 'v')) or 0
  if current ~= expected then return {-2, i - 2} end
end
local reply = {1}
for i = 3, #KEYS do
  local data = ARGV[7 + (i - 3) * 2]
  if data == '' then
    redis.call('DEL', KEYS[i])
    reply[#reply + 1] = 0
  else
    local version = redis.call('HINCRBY', KEYS[i], 'v', 1)
    redis.call('HSET', KEYS[i], 'd', data, 'f', fence)
    redis.call('PEXPIRE', KEYS[i], doc_keep)
    reply[#reply + 1] = version
  end
end
if KEYS[2] ~= '' then
  local s = redis.call('HMGET', KEYS[2], 's', 't')
  if s[1] == 'P' and s[2] == claim_token then
    redis.call('HSET', KEYS[2], 's', 'D')
    redis.call('PEXPIRE', KEYS[2], dedup_keep)
  end
end
redis.call('DEL', KEYS[1])
return reply
"""

# KEYS[1] journal hash.  ARGV: field, value, keep_ms.  Record action #k of an event (first write wins).
JOURNAL = """
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""
