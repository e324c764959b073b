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
