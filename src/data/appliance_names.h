// Dataset labels -> canonical appliance names. The five appliances the models know are
// `kettle`, `microwave`, `fridge`, `dishwasher`, `washing_machine`; every other label keeps a
// normalised lower-case name ("Television Site" -> "television_site").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nilm::data {

// Lower-case; runs of anything but letters and digits become one '_'; trimmed of '_'.
std::string normalise_label(std::string_view label);

// normalise_label, then the alias table (dish_washer/dishwaser -> dishwasher,
// refrigerator -> fridge, washer -> washing_machine, microwave_oven -> microwave, ...).
std::string canonical_appliance(std::string_view label);

// True for labels naming a mains meter ("aggregate", "mains", "site_meter", "mains_1"...).
bool is_mains_label(std::string_view label);

// Canonical names for all of one house's labels, with fall-backs used only when the house has
// no exact match: a fridge-freezer is the house's `fridge` when it has no plain fridge, a
// washer-dryer its `washing_machine` when it has no washing machine.
std::vector<std::string> canonical_house_names(const std::vector<std::string>& labels);

}  // namespace nilm::data
