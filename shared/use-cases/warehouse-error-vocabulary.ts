/**
 * The fixed words a warehouse error message may keep whatever the SQL says (see
 * rebuild-warehouse-message.ts). Taken from the warehouses' own error texts: DuckDB 1.5
 * (casts, date parsing, JSON, regex, ranges, the binder and catalog) and Snowflake's
 * documented messages ("Numeric value '…' is not recognized", "Can't parse '…' as date with
 * format '…'", "Division by zero", "SQL compilation error: …"), plus Airlock's own adapter texts.
 *
 * Matching is case-sensitive, so a data value that happens to be an English word in another
 * case ('IN', a state code; 'Error', a name) is not kept. Words that are plausible cell values
 * (names, places, statuses, priorities) are deliberately absent.
 */
const ENGLISH = `
a an the of to in on at by for from with without into as is are was were be been not no nor or and
when while where which according because after before during per via has have had
but if than then can can't cannot could couldn't does doesn't did must may might should would will
only must more less than too use using used need needs needed requires required expected expects
got found exist exists match matches matching given
Could Cannot Can't Unable Invalid Unknown Unsupported Unimplemented Unrecognized Malformed Missing
Failed Expected Did Type Table Column Function Referenced Candidate Use This The No Not
error errors failed failure invalid unknown unsupported unimplemented unrecognized malformed missing
convert converted conversion converting cast casting cannot parse parsing parsed recognized
string strings value values number numbers numeric character characters byte bytes input output
field fields format formats specifier specifiers constant constants literal type types column columns
source destination target table tables function functions argument arguments parameter parameters
operator operand expression expressions subquery subqueries row rows list lists array arrays struct
structs map maps key keys index element entry entries object objects identifier identifiers name names
date dates time times timestamp timestamps interval intervals zone timezone year month day hour minute
second seconds epoch
range out overflow underflow bound bounds precision scale width length multiple positive negative zero
division divide divided by modulo square root logarithm of
regular regexp regex pattern repetition operator escape sequence group groups
json path document syntax near at or position line LINE unexpected end token
binding bindings clause clauses statement statements query queries prepared
exactly one two single scalar returned random previous behavior revert
referenced candidate candidates mean maybe perhaps did you Did you You
not_found permission denied unauthorized authorized authorised does
schema database catalog view views sequence sequences macro macros extension extensions
constraint violated violation duplicate unique primary foreign
implicit explicit add might need
digit hex base64 encoded decoding decode encoding
radix between must be
empty null NULL nullable
numeric decimal integer float double boolean varchar text
too long truncated would be
`;

const DUCKDB = `
Parser Syntax Catalog Binder Conversion Invalid Input Out Range Constraint Dependency Permission
Not implemented Internal Fatal Interrupt Transaction Serialization Sequence Mismatch Type
Error INTERNAL
INT8 INT16 INT32 INT64 INT128 UINT8 UINT16 UINT32 UINT64 UINT128 HUGEINT UHUGEINT
TINYINT SMALLINT INTEGER BIGINT UTINYINT USMALLINT UINTEGER UBIGINT
FLOAT DOUBLE REAL DECIMAL NUMERIC BOOLEAN BOOL VARCHAR CHAR TEXT STRING BLOB BIT BITSTRING
DATE TIME TIMESTAMP TIMESTAMPTZ TIMESTAMP_S TIMESTAMP_MS TIMESTAMP_NS TIMESTAMP_TZ TIME_TZ TIME_NS
INTERVAL UUID JSON ENUM LIST ARRAY STRUCT MAP UNION VARIANT ANY SQLNULL
WITH ZONE
YYYY MM DD HH SS ZONE
FROM WHERE SELECT GROUP BY ORDER HAVING
UNNEST COLUMNS
Conversion Error
strptime strftime try_strptime regexp_matches regexp_replace regexp_extract
to_base from_base64 unhex getvariable currval nextval struct_extract enum_range
scalar_subquery_error_on_multiple_rows SET
RE2 missing ):
`;

const SNOWFLAKE = `
SQL compilation error Numeric Timestamp Date Time Boolean Binary
recognized Can't parse as with format AUTO
Division Number representable FIXED REAL VARIANT OBJECT ARRAY
Error parsing JSON literal incomplete pos
Invalid regular expression argument for repetition operator
Failed cast variant Object does exist or authorized Schema Database
invalid identifier syntax unexpected line position
String too long and would truncated
Unsupported subquery evaluated
User character length exceeds
`;

const AIRLOCK = `
the statement statements is empty warehouse text holds no expected exactly got
available local not are
injected fault warehouse-fail refused
`;

function words(text: string): Set<string> {
  return new Set(text.split(/\s+/).filter((w) => w !== ''));
}

const SHARED = words(ENGLISH + AIRLOCK);

/** The fixed vocabulary per warehouse. */
export const WAREHOUSE_ERROR_VOCABULARY: Readonly<Record<'duckdb' | 'snowflake', ReadonlySet<string>>> = {
  duckdb: new Set([...SHARED, ...words(DUCKDB)]),
  snowflake: new Set([...SHARED, ...words(SNOWFLAKE)]),
};
