// Names of TFLite builtin operator codes, for error messages.
#pragma once

#include <cstdint>

namespace nilm::model {

// "CONV_2D" for 3, ...; nullptr for a code the public schema does not define.
const char* tflite_builtin_name(std::int64_t code);

}  // namespace nilm::model
