// The only place recd includes SQLite (the durable feedback store).
#include <sqlite3.h>
