-- wrk: POST /1.0/kb/usages with a new tracking id each request (counted, not a retry).
local counter = 0
local subscription = os.getenv("TOLLGATE_SUBSCRIPTION")
request = function()
  counter = counter + 1
  local body = string.format(
    '{"subscriptionId":"%s","trackingId":"wrk-%d-%d","unitUsageRecords":[{"unitType":"api_calls",' ..
    '"usageRecords":[{"recordDate":"2024-03-10","amount":1}]}]}', subscription, counter, math.random(1e9))
  return wrk.format("POST", "/1.0/kb/usages", nil, body)
end
