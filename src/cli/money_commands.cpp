// The money commands over a SQLite database (docs/cli.md, balance.md):
//   tollgate pay --db FILE --invoice ID --amount A --reference R [--date D]
//   tollgate refund --db FILE --payment ID --amount A [--reference R] [--date D] [--provider
//   stripe] tollgate credit --db FILE --account ID --amount A --reason R [--id ID] [--date D]
//   tollgate export --db FILE --balance ACCOUNT   (export_balance, called by export)
// Exit 0 done (the result as JSON on stdout); 1 refused (an overpayment, a
// refund beyond what was paid, an unknown invoice, payment or account); 2 bad
// input, naming the flag. Nothing is written unless the command succeeds.

#include <chrono>
#include <ostream>

#include "cli.hpp"
#include "flags.hpp"
#include "json_output.hpp"
#include "tollgate/collections.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

struct MoneyFlags {
  Flags flags;
  Decimal amount;
  Date on;
};

// The flags every money command shares: --amount (a decimal > 0), --date
// (default today, UTC), and the required ones. nullopt: reported, exit 2.
std::optional<MoneyFlags> read_flags(std::string_view command,
                                     std::span<const std::string_view> args,
                                     std::initializer_list<std::string_view> allowed,
                                     std::initializer_list<std::string_view> required, Streams io) {
  auto flags = parse_flags(command, args, allowed, io);
  if (!flags) return std::nullopt;
  for (auto name : required)
    if (!flags->contains(name)) {
      io.err << "tollgate " << command << ": " << name << ": required\n";
      return std::nullopt;
    }
  MoneyFlags out{*flags, {}, Date(date::floor<date::days>(std::chrono::system_clock::now()))};
  auto amount = Decimal::parse(flags->at("--amount"));
  if (!amount || amount->sign() <= 0) {
    io.err << "tollgate " << command << ": --amount: \"" << flags->at("--amount")
           << "\" is not a decimal amount greater than 0\n";
    return std::nullopt;
  }
  out.amount = *amount;
  if (auto d = flags->find("--date"); d != flags->end()) {
    auto on = parse_date(d->second);
    if (!on) {
      io.err << "tollgate " << command << ": --date: \"" << d->second
             << "\" is not a date YYYY-MM-DD\n";
      return std::nullopt;
    }
    out.on = *on;
  }
  return out;
}

// A refusal: bad input (exit 2, naming the flag) or a refused operation (exit 1).
int refusal(std::string_view command, const Error& e, Streams io) {
  std::string_view flag = e.code == errors::refused_amount      ? "--amount: "
                          : e.code == errors::refused_reference ? "--reference: "
                                                                : "";
  io.err << "tollgate " << command << ": " << flag << e.code << ": " << e.message << "\n";
  return flag.empty() ? exit_refused : exit_usage;
}

json::object payment_json(const Payment& p, const Currency& currency) {
  json::object o;
  o["id"] = p.id;
  o["invoice"] = p.invoice_id;
  o["kind"] = to_string(p.kind);
  o["amount"] = currency.format(p.amount);
  o["method"] = p.method;
  o["reference"] = p.reference;
  if (!p.payment_id.empty()) o["payment"] = p.payment_id;
  o["date"] = to_string(p.on);
  return o;
}

json::object stored_invoice_json(const StoredInvoice& inv, const Decimal& balance,
                                 const Currency& currency) {
  json::object o = invoice_json(inv.invoice, currency);
  o["id"] = inv.id;
  o["number"] = inv.number;
  o["status"] = to_string(inv.status);
  o["balance"] = currency.format(balance);
  return o;
}

void print(Streams io, const json::value& v) {
  pretty(io.out, v);
  io.out << "\n";
}

// Prints a movement with its invoice as it stands after it.
int print_movement(std::string_view command, BillingStore& store, const Payment& p, Streams io) {
  auto invoice = store.invoice(p.invoice_id);
  if (!invoice) return refusal(command, invoice.error(), io);
  auto balance = balance_of(store, p.invoice_id);
  if (!balance) return refusal(command, balance.error(), io);
  auto currency = invoice->invoice.currency.checked();
  if (!currency) return refusal(command, currency.error(), io);
  json::object o = payment_json(p, *currency);
  o["invoice_status"] = to_string(invoice->status);
  o["invoice_balance"] = currency->format(*balance);
  print(io, o);
  return exit_ok;
}

}  // namespace

int pay_command(std::span<const std::string_view> args, Streams io) {
  auto f = read_flags("pay", args, {"--db", "--invoice", "--amount", "--reference", "--date"},
                      {"--db", "--invoice", "--amount", "--reference"}, io);
  if (!f) return exit_usage;
  auto store = open_db("pay", f->flags, io);
  if (!store) return exit_usage;
  BillingService billing(*store);
  Collections money(billing);
  auto paid = money.pay({std::string(f->flags.at("--invoice")), f->amount,
                         std::string(f->flags.at("--reference")), f->on});
  if (!paid) return refusal("pay", paid.error(), io);
  return print_movement("pay", *store, *paid, io);
}

int refund_command(std::span<const std::string_view> args, Streams io) {
  auto f = read_flags("refund", args,
                      {"--db", "--payment", "--amount", "--reference", "--date", "--provider"},
                      {"--db", "--payment", "--amount"}, io);
  if (!f) return exit_usage;
  std::unique_ptr<HttpTransport> transport;
  std::unique_ptr<PaymentProvider> provider;
  if (auto name = f->flags.find("--provider"); name != f->flags.end()) {
    provider = make_provider("refund", name->second, transport, io);
    if (!provider) return exit_usage;
  }
  auto store = open_db("refund", f->flags, io);
  if (!store) return exit_usage;
  BillingService billing(*store);
  Collections money(billing);
  std::string reference =
      f->flags.contains("--reference") ? std::string(f->flags.at("--reference")) : "";
  auto back = money.refund({std::string(f->flags.at("--payment")), f->amount, f->on, reference},
                           provider.get());
  if (!back) return refusal("refund", back.error(), io);
  return print_movement("refund", *store, *back, io);
}

int credit_command(std::span<const std::string_view> args, Streams io) {
  auto f =
      read_flags("credit", args, {"--db", "--account", "--amount", "--reason", "--id", "--date"},
                 {"--db", "--account", "--amount", "--reason"}, io);
  if (!f) return exit_usage;
  auto store = open_db("credit", f->flags, io);
  if (!store) return exit_usage;
  BillingService billing(*store);
  Collections money(billing);
  std::string id = f->flags.contains("--id") ? std::string(f->flags.at("--id")) : "";
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto issued = money.credit(std::string(f->flags.at("--account")), f->amount,
                             std::string(f->flags.at("--reason")), f->on, now, id);
  if (!issued) return refusal("credit", issued.error(), io);
  auto statement = money.statement(issued->account_id);
  if (!statement) return refusal("credit", statement.error(), io);
  auto currency = Currency::of(statement->currency);
  if (!currency) return refusal("credit", currency.error(), io);
  json::object o = stored_invoice_json(*issued, Decimal(0), *currency);
  o["account_credit"] = currency->format(statement->credit);
  print(io, o);
  return exit_ok;
}

int export_balance(BillingStore& store, const std::string& account_id, Streams io) {
  BillingService billing(store);
  Collections money(billing);
  auto s = money.statement(account_id);
  if (!s) return refusal("export", s.error(), io);
  auto currency = Currency::of(s->currency);
  if (!currency) return refusal("export", currency.error(), io);
  json::object o;
  o["account"] = s->account_id;
  o["currency"] = s->currency;
  o["credit"] = currency->format(s->credit);
  o["balance"] = currency->format(s->balance);
  // The card charged, masked as the customer knows it ("visa **** 4242, expires 12/2027").
  auto account = store.account(account_id);
  if (!account) return refusal("export", account.error(), io);
  o["card"] = account->card ? json::value(masked(*account->card)) : json::value(nullptr);
  json::array invoices;
  for (const auto& standing : s->invoices) {
    json::object inv = stored_invoice_json(standing.invoice, standing.balance, *currency);
    inv["paid"] = currency->format(standing.paid);
    inv["refunded"] = currency->format(standing.refunded);
    invoices.push_back(std::move(inv));
  }
  o["invoices"] = std::move(invoices);
  json::array payments;
  for (const auto& p : s->payments) payments.push_back(payment_json(p, *currency));
  o["payments"] = std::move(payments);
  print(io, o);
  return exit_ok;
}

}  // namespace tollgate::cli
