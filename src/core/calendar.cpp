#include "tollgate/calendar.hpp"

#include <cstdio>

namespace tollgate {

Result<Date> parse_date(std::string_view text) {
  auto digits = [&](std::size_t from, std::size_t count) {
    int v = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-')
    return make_error(errors::date_syntax,
                      "\"" + std::string(text) + "\" is not a date of the form YYYY-MM-DD");
  int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (y < 0 || m < 0 || d < 0)
    return make_error(errors::date_syntax,
                      "\"" + std::string(text) + "\" is not a date of the form YYYY-MM-DD");
  Date date{date::year(y), date::month(static_cast<unsigned>(m)),
            date::day(static_cast<unsigned>(d))};
  if (!date.ok())
    return make_error(errors::date_invalid, "\"" + std::string(text) + "\" is not a calendar date");
  return date;
}

std::string to_string(const Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

Date day_of_month_clamped(date::year_month ym, int day) {
  date::day last = date::year_month_day_last(ym.year(), date::month_day_last(ym.month())).day();
  date::day wanted(static_cast<unsigned>(day));
  return Date(ym.year(), ym.month(), wanted < last ? wanted : last);
}

Date add_months(const Date& d, int months) {
  date::year_month ym = date::year_month(d.year(), d.month()) + date::months(months);
  return day_of_month_clamped(ym, static_cast<int>(static_cast<unsigned>(d.day())));
}

}  // namespace tollgate
