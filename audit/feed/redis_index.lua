-- The feed index's atomic steps on Redis (Redis runs a script to its end before any other
-- command, so no other client sees or changes the index halfway). Called by audit/index_redis.py,
-- which documents the keys. ARGV[1] names the step, ARGV[2] is the key prefix:
--   add:    now, num_perm, bands, min_matches, items n, sinks m; per sink its field, role and
--           start; the payload; per item its id, signature and band keys. Returns the verdicts
--           as JSON (false: new; [id, agreeing positions]: repeats that stored item).
--   expire: now, bands, limit. Removes up to limit items older than the window, oldest first,
--           with their band entries; returns {removed, more}, more = 1 when the limit stopped it.
local op, P = ARGV[1], ARGV[2]
local meta = P .. ':meta'

-- A band key's entries are members (band key .. item number) of a sorted set chosen by the
-- key's first 20 bits; a lexicographic range query finds them all in one call.
local function shard(bk)
  local a, b, c = string.byte(bk, 1, 3)
  return P .. ':b:' .. string.format('%05x', a * 4096 + b * 16 + math.floor(c / 16))
end
local function item_key(num) return P .. ':i:' .. math.floor(num / 1024) end
local function cutoff_at(now)
  local window = redis.call('HGET', meta, 'window')
  if window and window ~= 'null' then return now - tonumber(window) end
  return nil
end

-- Why the batch must be refused, or nil: every key the batch may read or write, checked before
-- its first write. Redis does not undo a script's writes when it fails halfway, so a key of
-- another type under the prefix (another program's) would leave items indexed but, the script
-- having failed, never delivered.
local function refusal(n, bands, base)
  for _, name in ipairs({'seq', 'count', 'low'}) do
    local key = P .. ':' .. name
    local t = redis.call('TYPE', key)['ok']
    if t ~= 'none' and (t ~= 'string' or not tonumber(redis.call('GET', key))) then
      return key .. ' is not a number'
    end
  end
  local checks = {{meta, 'hash'}, {P .. ':pending', 'hash'}}
  local seq = tonumber(redis.call('GET', P .. ':seq') or '0')
  for chunk = 0, math.floor((seq + n) / 1024) do
    checks[#checks + 1] = {P .. ':i:' .. chunk, 'hash'}
  end
  for i = 0, n - 1 do
    local bks = ARGV[base + 3 * i + 2]
    for b = 0, bands - 1 do
      checks[#checks + 1] = {shard(string.sub(bks, b * 8 + 1, b * 8 + 8)), 'zset'}
    end
  end
  for _, c in ipairs(checks) do
    local t = redis.call('TYPE', c[1])['ok']
    if t ~= 'none' and t ~= c[2] then return c[1] .. ' is a ' .. t .. ', not a ' .. c[2] end
  end
  return nil
end

local function add()
  local now = tonumber(ARGV[3])
  local num_perm, bands, min_matches = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
  local n, m = tonumber(ARGV[7]), tonumber(ARGV[8])
  local sig_len, bk_len = num_perm * 4, bands * 8
  -- Times never go back, so item numbers are in the order of their times (expiry relies on it).
  local last = tonumber(redis.call('HGET', meta, 'last') or '0')
  if now < last then now = last end
  local cutoff = cutoff_at(now)
  local function agree(s1, s2)
    local c = 0
    for j = 1, sig_len, 4 do
      if string.sub(s1, j, j + 3) == string.sub(s2, j, j + 3) then c = c + 1 end
    end
    return c
  end
  local payload = ARGV[9 + 3 * m]
  local base = 10 + 3 * m
  local refused = refusal(n, bands, base)
  if refused then
    return redis.error_reply('a key under the prefix is not the index\'s: ' .. refused ..
                             '; the batch was refused, nothing of it written')
  end
  local verdicts, added = {}, 0
  for i = 0, n - 1 do
    local id, sig, bks = ARGV[base + 3 * i], ARGV[base + 3 * i + 1], ARGV[base + 3 * i + 2]
    local seen, best_c, best_num, best_id = {}, -1, nil, nil
    for b = 0, bands - 1 do
      local bk = string.sub(bks, b * 8 + 1, b * 8 + 8)
      local members = redis.call('ZRANGEBYLEX', shard(bk), '[' .. bk, '[' .. bk .. '\255\255\255\255')
      for _, member in ipairs(members) do
        local num = struct.unpack('>I4', member, 9)
        if not seen[num] then
          seen[num] = true
          local rec = redis.call('HGET', item_key(num), num)
          if rec and (cutoff == nil or struct.unpack('<d', rec) >= cutoff) then
            local c = agree(sig, string.sub(rec, 9 + bk_len, 8 + bk_len + sig_len))
            if c > best_c or (c == best_c and num < best_num) then
              best_c, best_num, best_id = c, num, string.sub(rec, 9 + bk_len + sig_len)
            end
          end
        end
      end
    end
    if best_c >= min_matches then
      verdicts[i + 1] = {best_id, best_c}
    else
      verdicts[i + 1] = false
      local num = redis.call('INCR', P .. ':seq')
      redis.call('HSET', item_key(num), num, struct.pack('<d', now) .. bks .. sig .. id)
      local tail = struct.pack('>I4', num)
      for b = 0, bands - 1 do
        local bk = string.sub(bks, b * 8 + 1, b * 8 + 8)
        redis.call('ZADD', shard(bk), 0, bk .. tail)
      end
      added = added + 1
    end
  end
  if added > 0 then
    redis.call('INCRBY', P .. ':count', added)
    redis.call('HSET', meta, 'last', string.format('%.6f', now))
  end
  local encoded = cjson.encode(verdicts)
  for s = 0, m - 1 do
    local f = 9 + 3 * s
    redis.call('HSET', P .. ':pending', ARGV[f], ARGV[f + 1] .. '\n' .. ARGV[f + 2] .. '\n' .. encoded .. '\n' .. payload)
  end
  return encoded
end

local function expire()
  local now, bands, limit = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
  local cutoff = cutoff_at(now)
  if cutoff == nil then return {0, 0} end
  local low = tonumber(redis.call('GET', P .. ':low') or '1')
  local seq = tonumber(redis.call('GET', P .. ':seq') or '0')
  local removed = 0
  while low <= seq and removed < limit do
    local key = item_key(low)
    local rec = redis.call('HGET', key, low)
    if rec then
      if struct.unpack('<d', rec) >= cutoff then break end
      local tail = struct.pack('>I4', low)
      for b = 0, bands - 1 do
        local bk = string.sub(rec, 9 + b * 8, 16 + b * 8)
        redis.call('ZREM', shard(bk), bk .. tail)
      end
      redis.call('HDEL', key, low)
      removed = removed + 1
    end
    low = low + 1
  end
  redis.call('SET', P .. ':low', low)
  if removed > 0 then redis.call('DECRBY', P .. ':count', removed) end
  local more = 0
  if removed >= limit then more = 1 end
  return {removed, more}
end

if op == 'add' then return add() end
if op == 'expire' then return expire() end
return redis.error_reply('unknown step ' .. tostring(op))
