// Drive npm alphapoint-apex-api 3.2.19, unchanged, against a running simulator's /WSGateway/.
// Run by test_apex_api_npm.py: node apex_api_driver.js <ws url> <scenario>; prints one JSON object.
'use strict';
const { APEX } = require('alphapoint-apex-api');

function within(promise, ms) {
  return Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve('timeout'), ms))]);
}

function body(frame) {
  return frame === 'timeout' ? 'timeout' : { m: frame.m, i: frame.i, n: frame.n, o: JSON.parse(frame.o) };
}

const scenarios = {
  async trading(apex) {
    const login = body(await apex.RPCPromise('AuthenticateUser', { UserName: 'trader', Password: 'demo' }));
    const open = body(await apex.RPCPromise('GetOpenOrders', { OMSId: 1, AccountId: 9 }));
    const cancel = body(await apex.RPCPromise('CancelAllOrders', { OMSId: 1, AccountId: 9, InstrumentId: 1 }));
    const after = body(await apex.RPCPromise('GetOpenOrders', { OMSId: 1, AccountId: 9 }));
    return {
      login: { m: login.m, i: login.i, authenticated: login.o.Authenticated, account: login.o.User.AccountId },
      open: open.o.map((order) => order.OrderId), cancel: cancel.o, after: after.o.map((order) => order.OrderId),
    };
  },
  async streams(apex) {
    // The library's own helpers: authenticateUser, subscribeLevel1/2, subscribeTrades,
    // subscribeAccountEvents; events read off apex.ws as the library's own streams do.
    const events = [];
    apex.ws.subscribe((frame) => { if (frame.m === 3) events.push(frame.n); });
    await new Promise((resolve) => apex.authenticateUser('trader', 'demo', resolve));
    const level1 = await new Promise((resolve) => apex.subscribeLevel1(1, (frame) => resolve(JSON.parse(frame.o))));
    const level2 = await new Promise((resolve) => apex.subscribeLevel2(1, 5, resolve));
    const trades = await new Promise((resolve) => apex.subscribeTrades(1, 2, resolve));
    await apex.RPCPromise('SubscribeAccountEvents', { OMSId: 1, AccountId: 9 });
    const sent = body(await apex.RPCPromise('SendOrder', {
      OMSId: 1, AccountId: 9, InstrumentId: 1, Side: 0, OrderType: 1, Quantity: 0.01, TimeInForce: 1,
    }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    return {
      accountId: apex.accountId, level1: [level1.BestBid > 0, level1.BestOffer > level1.BestBid],
      level2: level2.length, trades: trades.length, order: sent.o.OrderId, events: [...new Set(events)].sort(),
    };
  },
  async orders(apex) {
    // The library's own order helpers (each calls back with the reply frame).
    const call = (helper, ...args) => new Promise((resolve) => helper.call(apex, ...args, (frame) => resolve(body(frame).o)));
    await new Promise((resolve) => apex.authenticateUser('trader', 'demo', resolve));
    const limit = await call(apex.sendOrder, {
      OMSId: 1, AccountId: 9, InstrumentId: 1, Side: 0, OrderType: 2, Quantity: 0.01, LimitPrice: 50000, TimeInForce: 1,
    });
    const open = await call(apex.getOpenOrders, undefined, undefined);
    const positions = await call(apex.getAccountPositions, undefined, undefined);
    const market = await call(apex.sendOrder, {
      OMSId: 1, AccountId: 9, InstrumentId: 1, Side: 0, OrderType: 1, Quantity: 0.01, TimeInForce: 1,
    });
    const trades = await call(apex.getAccountTrades, undefined, undefined);
    const cancel = await call(apex.cancelOrder, limit.OrderId, undefined, undefined);
    const history = await call(apex.getOrderHistory, undefined, undefined, undefined);
    const cancelAll = await call(apex.cancelAllOrders, 1, undefined, 2);
    const usd = positions.find((row) => row.ProductSymbol === 'USD');
    return {
      limit: limit.OrderId, open: open.map((order) => order.OrderId), usdHold: usd.Hold, market: market.OrderId,
      trades: trades.map((trade) => [trade.OrderId, trade.Quantity]), cancel: cancel.result,
      history: history.slice(0, 2).map((order) => [order.OrderId, order.OrderState]), cancelAll: cancelAll.result,
    };
  },
  async unknown(apex) {
    // GetDepositInfo: one of the library's ~330 call names, one the simulator does not serve.
    await apex.RPCPromise('AuthenticateUser', { UserName: 'trader', Password: 'demo' });
    const frame = await within(apex.RPCPromise('GetDepositInfo', { OMSId: 1, AccountId: 9, ProductId: 1 }), 1500);
    const open = body(await apex.RPCPromise('GetOpenOrders', { OMSId: 1, AccountId: 9 }));
    return { reply: body(frame), still_served: open.o.length };
  },
};

async function main() {
  const [url, scenario] = process.argv.slice(2);
  let opened;
  const ready = new Promise((resolve) => { opened = resolve; });
  const apex = new APEX(url, { onopen: () => opened() });
  await within(ready, 10000);
  const result = await scenarios[scenario](apex);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

main().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
