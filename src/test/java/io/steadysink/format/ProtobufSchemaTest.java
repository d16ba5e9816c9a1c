package io.steadysink.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.google.protobuf.CodedOutputStream;

/**
 * Records framed as Confluent's Protobuf serializer frames them (magic byte, schema id, message
 * indexes, message), the message bytes written field by field.
 */
class ProtobufSchemaTest {

    private static final String SHOP = """
            syntax = "proto3";
            package shop;

            import "google/protobuf/timestamp.proto";
            import "google/protobuf/duration.proto";
            import "google/protobuf/wrappers.proto";
            import "google/type/date.proto";
            import "confluent/type/decimal.proto";

            enum Status {
              UNKNOWN = 0;
              ACTIVE = 1;
              CLOSED = 2;
            }

            message Everything {
              int32 i32 = 1;
              int64 i64 = 2;
              uint32 u32 = 3;
              uint64 u64 = 4;
              sint32 s32 = 5;
              sint64 s64 = 6;
              fixed32 f32 = 7;
              fixed64 f64 = 8;
              sfixed32 sf32 = 9;
              sfixed64 sf64 = 10;
              float fl = 11;
              double db = 12;
              bool flag = 13;
              string text = 14;
              bytes data = 15;
              Status status = 16;
              repeated string tags = 17;
              map<string, int64> counts = 18;
              Address address = 19;
              oneof contact {
                string email = 20;
                Address postal = 21;
              }
              optional int64 maybe = 22;
              google.protobuf.Timestamp at = 23;
              google.protobuf.Duration took = 24;
              google.protobuf.Int32Value w_i32 = 25;
              google.protobuf.Int64Value w_i64 = 26;
              google.protobuf.UInt32Value w_u32 = 27;
              google.protobuf.UInt64Value w_u64 = 28;
              google.protobuf.FloatValue w_fl = 29;
              google.protobuf.DoubleValue w_db = 30;
              google.protobuf.BoolValue w_flag = 31;
              google.protobuf.StringValue w_text = 32;
              google.protobuf.BytesValue w_data = 33;
              google.type.Date day = 34;
              confluent.type.Decimal price = 35;
              repeated Address addresses = 36;
              map<int32, Address> by_number = 37;

              message Address {
                string city = 1;
                string zip = 2;
              }
            }

            message Second {
              string name = 1;
              map<string, string> labels = 2;

              message Inner {
                int64 n = 1;
              }

              enum Level {
                LOW = 0;
              }

              message Other {
                bool other = 1;
              }
            }
            """;

    @FunctionalInterface
    interface Writes {
        void to(CodedOutputStream out) throws IOException;
    }

    @Test
    void everyScalarReadsAsItsJsonValue() throws Exception {
        JsonNode tree = read(SHOP, frame(message(out -> {
            out.writeInt32(1, -7);
            out.writeInt64(2, Long.MAX_VALUE);
            out.writeUInt32(3, -1);
            out.writeUInt64(4, -1L);
            out.writeSInt32(5, -5);
            out.writeSInt64(6, Long.MIN_VALUE);
            out.writeFixed32(7, -2);
            out.writeFixed64(8, 42L);
            out.writeSFixed32(9, Integer.MIN_VALUE);
            out.writeSFixed64(10, -9L);
            out.writeFloat(11, 1.5f);
            out.writeDouble(12, 2.25);
            out.writeBool(13, true);
            out.writeString(14, "grüße");
            out.writeByteArray(15, new byte[]{1, 2, (byte) 0xff});
        })));

        assertThat(tree.get("i32").isInt()).isTrue();
        assertThat(tree.get("i32").intValue()).isEqualTo(-7);
        assertThat(tree.get("i64").longValue()).isEqualTo(Long.MAX_VALUE);
        assertThat(tree.get("u32").isLong()).isTrue();
        assertThat(tree.get("u32").longValue()).isEqualTo(4_294_967_295L);
        assertThat(tree.get("u64").isBigInteger()).isTrue();
        assertThat(tree.get("u64").bigIntegerValue()).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(tree.get("s32").intValue()).isEqualTo(-5);
        assertThat(tree.get("s64").longValue()).isEqualTo(Long.MIN_VALUE);
        assertThat(tree.get("f32").longValue()).isEqualTo(4_294_967_294L);
        assertThat(tree.get("f64").isLong()).isTrue();
        assertThat(tree.get("f64").longValue()).isEqualTo(42L);
        assertThat(tree.get("sf32").intValue()).isEqualTo(Integer.MIN_VALUE);
        assertThat(tree.get("sf64").longValue()).isEqualTo(-9L);
        assertThat(tree.get("fl").floatValue()).isEqualTo(1.5f);
        assertThat(tree.get("db").doubleValue()).isEqualTo(2.25);
        assertThat(tree.get("flag").booleanValue()).isTrue();
        assertThat(tree.get("text").textValue()).isEqualTo("grüße");
        assertThat(tree.get("data").textValue())
                .isEqualTo(Base64.getEncoder().encodeToString(new byte[]{1, 2, (byte) 0xff}));
    }

    @Test
    void unsetScalarsReadAsTheirDefaultsAndUnsetFieldsWithPresenceAsNull() throws Exception {
        JsonNode tree = read(SHOP, frame(new byte[0]));

        assertThat(tree.get("i32").intValue()).isZero();
        assertThat(tree.get("u64").isNumber()).isTrue();
        assertThat(tree.get("text").textValue()).isEmpty();
        assertThat(tree.get("data").textValue()).isEmpty();
        assertThat(tree.get("flag").booleanValue()).isFalse();
        assertThat(tree.get("status").textValue()).isEqualTo("UNKNOWN");
        assertThat(tree.get("tags").isArray()).isTrue();
        assertThat(tree.get("tags")).isEmpty();
        assertThat(tree.get("counts").isObject()).isTrue();
        assertThat(tree.get("counts")).isEmpty();
        for (String withPresence : new String[]{"address", "email", "postal", "maybe", "at", "took", "w_i32",
                "w_i64", "w_u32", "w_u64", "w_fl", "w_db", "w_flag", "w_text", "w_data", "day", "price"}) {
            assertThat(tree.has(withPresence)).as(withPresence).isTrue();
            assertThat(tree.get(withPresence).isNull()).as(withPresence).isTrue();
        }
    }

    @Test
    void timestampAndDurationReadAsIsoText() throws Exception {
        JsonNode tree = read(SHOP, frame(message(out -> {
            out.writeByteArray(23, message(t -> {
                t.writeInt64(1, 1_700_000_000L);
                t.writeInt32(2, 123_000_000);
            }));
            out.writeByteArray(24, message(d -> {
                d.writeInt64(1, 1L);
                d.writeInt32(2, 500_000_000);
            }));
        })));

        assertThat(tree.get("at").textValue()).isEqualTo("2023-11-14T22:13:20.123Z");
        assertThat(tree.get("took").textValue()).isEqualTo("PT1.5S");
    }

    @Test
    void aTimestampAtTheEpochIsSetAndNotNull() throws Exception {
        JsonNode tree = read(SHOP, frame(message(out -> out.writeByteArray(23, new byte[0]))));

        assertThat(tree.get("at").textValue()).isEqualTo("1970-01-01T00:00:00Z");
    }

    @Test
    void wrappersReadAsTheirValueAndASetWrapperOfTheDefaultIsNotNull() throws Exception {
        JsonNode tree = read(SHOP, frame(message(out -> {
            out.writeByteArray(25, message(w -> w.writeInt32(1, -3)));
            out.writeByteArray(26, new byte[0]);
            out.writeByteArray(27, message(w -> w.writeUInt32(1, -1)));
            out.writeByteArray(28, message(w -> w.writeUInt64(1, -1L)));
            out.writeByteArray(29, message(w -> w.writeFloat(1, 0.5f)));
            out.writeByteArray(30, message(w -> w.writeDouble(1, -1.25)));
            out.writeByteArray(31, message(w -> w.writeBool(1, true)));
            out.writeByteArray(32, message(w -> w.writeString(1, "wrapped")));
            out.writeByteArray(33, message(w -> w.writeByteArray(1, new byte[]{9})));
        })));

        assertThat(tree.get("w_i32").intValue()).isEqualTo(-3);
        assertThat(tree.get("w_i64").isNumber()).isTrue();
        assertThat(tree.get("w_i64").longValue()).isZero();
        assertThat(tree.get("w_u32").longValue()).isEqualTo(4_294_967_295L);
        assertThat(tree.get("w_u64").bigIntegerValue()).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(tree.get("w_fl").floatValue()).isEqualTo(0.5f);
        assertThat(tree.get("w_db").doubleValue()).isEqualTo(-1.25);
        assertThat(tree.get("w_flag").booleanValue()).isTrue();
        assertThat(tree.get("w_text").textValue()).isEqualTo("wrapped");
        assertThat(tree.get("w_data").textValue()).isEqualTo("CQ==");
    }

    @Test
    void aDateReadsAsYearMonthDayAndADecimalAsANumberOfItsScale() throws Exception {
        JsonNode tree = read(SHOP, frame(message(out -> {
            out.writeByteArray(34, message(d -> {
                d.writeInt32(1, 2024);
                d.writeInt32(2, 2);
                d.writeInt32(3, 29);
            }));
            out.writeByteArray(35, message(d -> {
                d.writeByteArray(1, BigInteger.valueOf(-1234500).toByteArray());
                d.writeUInt32(2, 9);
                d.writeInt32(3, 4);
            }));
        })));

        assertThat(tree.get("day").textValue()).isEqualTo("2024-02-29");
        assertThat(tree.get("price").isBigDecimal()).isTrue();
        assertThat(tree.get("price").decimalValue()).isEqualTo(new BigDecimal("-123.4500"));
    }

    @Test
    void aDateThatIsNoDayDoesNotMatch() throws Exception {
        byte[] frame = frame(message(out -> out.writeByteArray(34, message(d -> d.writeInt32(1, 2024)))));

        assertThatThrownBy(() -> read(SHOP, frame)).isInstanceOfSatisfying(RecordUnreadable.class,
                e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH));
    }

    @Test
    void anEnumReadsAsTheNameOfItsValue() throws Exception {
        JsonNode tree = read(SHOP, frame(message(out -> out.writeEnum(16, 2))));

        assertThat(tree.get("status").textValue()).isEqualTo("CLOSED");
    }

    @Test
    void anEnumNumberTheEnumDoesNotNameDoesNotMatch() {
        byte[] frame = frame(message(out -> out.writeEnum(16, 7)));

        assertThatThrownBy(() -> read(SHOP, frame)).isInstanceOfSatisfying(RecordUnreadable.class, e -> {
            assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH);
            assertThat(e.getMessage()).isEqualTo("enum shop.Status has no value numbered 7");
        });
    }

    @Test
    void repeatedFieldsReadAsArraysMapsAsObjectsAndNestedMessagesAsObjects() throws Exception {
        byte[] oslo = message(a -> {
            a.writeString(1, "Oslo");
            a.writeString(2, "0150");
        });
        JsonNode tree = read(SHOP, frame(message(out -> {
            out.writeString(17, "a");
            out.writeString(17, "b");
            out.writeByteArray(18, message(e -> {
                e.writeString(1, "x");
                e.writeInt64(2, 5L);
            }));
            out.writeByteArray(18, message(e -> e.writeString(1, "y")));
            out.writeByteArray(19, oslo);
            out.writeByteArray(36, oslo);
            out.writeByteArray(36, message(a -> a.writeString(1, "Bergen")));
            out.writeByteArray(37, message(e -> {
                e.writeInt32(1, 7);
                e.writeByteArray(2, oslo);
            }));
        })));

        assertThat(tree.get("tags")).extracting(JsonNode::textValue).containsExactly("a", "b");
        assertThat(tree.get("counts").get("x").longValue()).isEqualTo(5L);
        assertThat(tree.get("counts").get("y").longValue()).isZero();
        assertThat(tree.get("address").get("city").textValue()).isEqualTo("Oslo");
        assertThat(tree.get("address").get("zip").textValue()).isEqualTo("0150");
        assertThat(tree.get("addresses")).hasSize(2);
        assertThat(tree.at("/addresses/1/city").textValue()).isEqualTo("Bergen");
        assertThat(tree.at("/addresses/1/zip").textValue()).isEmpty();
        assertThat(tree.at("/by_number/7/zip").textValue()).isEqualTo("0150");
    }

    @Test
    void aOneofReadsAsTheBranchItHoldsAndItsOtherBranchesAsNull() throws Exception {
        JsonNode email = read(SHOP, frame(message(out -> out.writeString(20, "a@b.c"))));
        JsonNode postal = read(SHOP, frame(message(out -> out.writeByteArray(21, message(a -> a.writeString(1,
                "Oslo"))))));

        assertThat(email.get("email").textValue()).isEqualTo("a@b.c");
        assertThat(email.get("postal").isNull()).isTrue();
        assertThat(postal.get("email").isNull()).isTrue();
        assertThat(postal.at("/postal/city").textValue()).isEqualTo("Oslo");
    }

    @Test
    void aProto3OptionalFieldReadsAsNullUnsetAndAsItsValueSetEvenToTheDefault() throws Exception {
        JsonNode unset = read(SHOP, frame(new byte[0]));
        JsonNode zero = read(SHOP, frame(message(out -> out.writeInt64(22, 0L))));

        assertThat(unset.get("maybe").isNull()).isTrue();
        assertThat(zero.get("maybe").isNumber()).isTrue();
        assertThat(zero.get("maybe").longValue()).isZero();
    }

    @Test
    void messageIndexesChooseTheMessageAmongTopLevelAndNestedOnes() throws Exception {
        byte[] name = message(out -> out.writeString(1, "second"));

        assertThat(read(SHOP, frame(new int[]{1}, name)).get("name").textValue()).isEqualTo("second");
        assertThat(read(SHOP, frame(new int[]{1, 0}, message(out -> out.writeInt64(1, 3L)))).get("n").longValue())
                .isEqualTo(3L);
        assertThat(read(SHOP, frame(new int[]{1, 1}, message(out -> out.writeBool(1, true)))).get("other")
                .booleanValue()).isTrue();
        assertThat(read(SHOP, frame(new int[]{0, 0}, message(out -> out.writeString(1, "Oslo")))).get("city")
                .textValue()).isEqualTo("Oslo");
        assertThat(read(SHOP, frame(new int[]{0}, new byte[0])).has("i32")).isTrue();
    }

    @Test
    void messageIndexesThatNameNoMessageDoNotMatch() {
        for (int[] indexes : new int[][]{{2}, {1, 2}, {0, 0, 0}, {-1}}) {
            byte[] frame = frame(indexes, new byte[0]);
            assertThatThrownBy(() -> read(SHOP, frame)).isInstanceOfSatisfying(RecordUnreadable.class, e -> {
                assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH);
                assertThat(e.getMessage()).contains("name no message of the schema");
            });
        }
    }

    @Test
    void garbageBytesDoNotMatch() {
        byte[] frame = frame(new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});

        assertThatThrownBy(() -> read(SHOP, frame)).isInstanceOfSatisfying(RecordUnreadable.class,
                e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH));
    }

    @Test
    void aTruncatedMessageDoesNotMatch() {
        byte[] whole = message(out -> out.writeString(14, "a text cut short"));
        byte[] frame = frame(java.util.Arrays.copyOf(whole, whole.length - 3));

        assertThatThrownBy(() -> read(SHOP, frame)).isInstanceOfSatisfying(RecordUnreadable.class,
                e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH));
    }

    @Test
    void aFieldTheSchemaDoesNotHaveDoesNotMatch() {
        byte[] top = frame(message(out -> out.writeInt64(99, 1L)));
        byte[] nested = frame(message(out -> out.writeByteArray(19, message(a -> a.writeInt64(9, 1L)))));

        assertThatThrownBy(() -> read(SHOP, top)).isInstanceOfSatisfying(RecordUnreadable.class, e -> {
            assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH);
            assertThat(e.getMessage()).isEqualTo("it has fields numbered [99] that shop.Everything does not have");
        });
        assertThatThrownBy(() -> read(SHOP, nested)).isInstanceOfSatisfying(RecordUnreadable.class,
                e -> assertThat(e.getMessage()).contains("shop.Everything.Address does not have"));
    }

    @Test
    void proto2OptionalFieldsReadAsNullUnsetAndAMissingRequiredFieldDoesNotMatch() throws Exception {
        String proto2 = """
                syntax = "proto2";
                package legacy;

                enum Kind {
                  A = 1;
                  B = 2;
                }

                message Row {
                  required int64 id = 1;
                  optional string note = 2;
                  optional int32 count = 3 [default = 7];
                  optional Kind kind = 4;
                  repeated int32 values = 5;
                }
                """;

        JsonNode tree = read(proto2, frame(message(out -> {
            out.writeInt64(1, 9L);
            out.writeInt32(5, 1);
            out.writeInt32(5, 2);
        })));
        assertThat(tree.get("id").longValue()).isEqualTo(9L);
        assertThat(tree.get("note").isNull()).isTrue();
        assertThat(tree.get("count").isNull()).isTrue();
        assertThat(tree.get("kind").isNull()).isTrue();
        assertThat(tree.get("values")).extracting(JsonNode::intValue).containsExactly(1, 2);
        assertThat(read(proto2, frame(message(out -> {
            out.writeInt64(1, 9L);
            out.writeEnum(4, 2);
        }))).get("kind").textValue()).isEqualTo("B");

        byte[] noId = frame(message(out -> out.writeString(2, "no id")));
        assertThatThrownBy(() -> read(proto2, noId)).isInstanceOfSatisfying(RecordUnreadable.class,
                e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH));
        byte[] unknownKind = frame(message(out -> {
            out.writeInt64(1, 9L);
            out.writeEnum(4, 5);
        }));
        assertThatThrownBy(() -> read(proto2, unknownKind)).isInstanceOfSatisfying(RecordUnreadable.class,
                e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH));
    }

    @Test
    void importsResolveThroughTheReferencesAndTheirReferences() throws Exception {
        String order = """
                syntax = "proto3";
                package orders;

                import "common/money.proto";

                message Order {
                  string id = 1;
                  common.Money total = 2;
                }
                """;
        Map<String, String> references = Map.of("common/money.proto", """
                syntax = "proto3";
                package common;

                import "common/currency.proto";

                message Money {
                  int64 units = 1;
                  Currency currency = 2;
                }
                """, "common/currency.proto", """
                syntax = "proto3";
                package common;

                enum Currency {
                  NONE = 0;
                  EUR = 1;
                  NOK = 2;
                }
                """);

        RegisteredSchema schema = ProtobufSchema.parse(order, references);
        JsonNode tree = schema.read(body(frame(message(out -> {
            out.writeString(1, "o-1");
            out.writeByteArray(2, message(m -> {
                m.writeInt64(1, 250L);
                m.writeEnum(2, 2);
            }));
        }))));

        assertThat(tree.get("id").textValue()).isEqualTo("o-1");
        assertThat(tree.at("/total/units").longValue()).isEqualTo(250L);
        assertThat(tree.at("/total/currency").textValue()).isEqualTo("NOK");
        assertThat(schema.at(JsonPointer.compile("/total/currency")))
                .contains(new FieldTypes(Set.of(JsonNodeType.STRING, JsonNodeType.NULL),
                        "protobuf enum common.Currency"));
    }

    @Test
    void aFileWithoutAPackageCountsOnlyItsOwnDeclaredMessages() throws Exception {
        String plain = """
                syntax = "proto3";

                import "common/money.proto";
                import "google/protobuf/timestamp.proto";

                message First {
                  message Nested {
                    string inside = 1;
                  }
                  Nested nested = 1;
                  common.Money total = 2;
                  google.protobuf.Timestamp at = 3;
                }

                message Nested {
                  bool top = 1;
                }
                """;
        RegisteredSchema schema = ProtobufSchema.parse(plain, Map.of("common/money.proto", """
                syntax = "proto3";
                package common;

                message Money {
                  int64 units = 1;
                }
                """));

        assertThat(schema.read(body(frame(new int[]{1}, message(out -> out.writeBool(1, true))))).get("top")
                .booleanValue()).isTrue();
        assertThat(schema.read(body(frame(new int[]{0, 0}, message(out -> out.writeString(1, "in")))))
                .get("inside").textValue()).isEqualTo("in");
        assertThat(schema.read(body(frame(new int[]{0}, message(out -> out.writeByteArray(2, message(m -> m
                .writeInt64(1, 3L))))))).at("/total/units").longValue()).isEqualTo(3L);
        assertThatThrownBy(() -> schema.read(body(frame(new int[]{2}, new byte[0]))))
                .isInstanceOf(RecordUnreadable.class);
    }

    @Test
    void aSchemaWrittenOnOneLineReadsLikeAnyOther() throws Exception {
        RegisteredSchema schema = ProtobufSchema.parse(
                "syntax = \"proto3\"; package one.line; import \"other.proto\"; "
                        + "message Row { int64 id = 1; one.line.Other other = 2; }",
                Map.of("other.proto", "syntax = \"proto3\"; package one.line; message Other { string name = 1; }"));

        JsonNode tree = schema.read(body(frame(message(out -> {
            out.writeInt64(1, 4L);
            out.writeByteArray(2, message(o -> o.writeString(1, "x")));
        }))));

        assertThat(tree.get("id").longValue()).isEqualTo(4L);
        assertThat(tree.at("/other/name").textValue()).isEqualTo("x");
    }

    @Test
    void anImportThatIsNeitherAReferenceNorWellKnownIsUnreadable() {
        String order = """
                syntax = "proto3";
                package orders;

                import "common/money.proto";

                message Order {
                  common.Money total = 1;
                }
                """;

        assertThatThrownBy(() -> ProtobufSchema.parse(order, Map.of())).isInstanceOfSatisfying(
                RecordUnreadable.class, e -> {
                    assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.SCHEMA_UNREADABLE);
                    assertThat(e.getMessage()).contains("common/money.proto");
                });
    }

    @Test
    void textThatIsNoProtobufSchemaIsUnreadable() {
        assertThatThrownBy(() -> ProtobufSchema.parse("message { int32 = ; }", Map.of()))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.SCHEMA_UNREADABLE));
    }

    @Test
    void confluentFieldMetaOptionsParse() throws Exception {
        String priced = """
                syntax = "proto3";
                package priced;

                import "confluent/meta.proto";
                import "confluent/type/decimal.proto";

                message Priced {
                  confluent.type.Decimal amount = 1 [(confluent.field_meta) = { params: [
                    { key: "precision", value: "8" },
                    { key: "scale", value: "2" }
                  ] }];
                }
                """;

        RegisteredSchema schema = ProtobufSchema.parse(priced, Map.of());

        JsonNode tree = schema.read(body(frame(message(out -> out.writeByteArray(1, message(d -> {
            d.writeByteArray(1, BigInteger.valueOf(105).toByteArray());
            d.writeInt32(3, 2);
        }))))));
        assertThat(tree.get("amount").decimalValue()).isEqualTo(new BigDecimal("1.05"));
    }

    @Test
    void atTellsTheTypesOfPresentFieldsAndNothingOfAbsentOnes() throws Exception {
        RegisteredSchema schema = ProtobufSchema.parse(SHOP, Map.of());

        assertThat(at(schema, "")).contains(new FieldTypes(Set.of(JsonNodeType.OBJECT), "protobuf shop.Everything"));
        assertThat(at(schema, "/i64")).contains(new FieldTypes(Set.of(JsonNodeType.NUMBER), "protobuf int64"));
        assertThat(at(schema, "/maybe"))
                .contains(new FieldTypes(Set.of(JsonNodeType.NUMBER, JsonNodeType.NULL), "protobuf int64"));
        assertThat(at(schema, "/text")).contains(new FieldTypes(Set.of(JsonNodeType.STRING), "protobuf string"));
        assertThat(at(schema, "/data")).contains(new FieldTypes(Set.of(JsonNodeType.STRING), "protobuf bytes"));
        assertThat(at(schema, "/flag")).contains(new FieldTypes(Set.of(JsonNodeType.BOOLEAN), "protobuf bool"));
        assertThat(at(schema, "/status"))
                .contains(new FieldTypes(Set.of(JsonNodeType.STRING), "protobuf enum shop.Status"));
        assertThat(at(schema, "/email"))
                .contains(new FieldTypes(Set.of(JsonNodeType.STRING, JsonNodeType.NULL), "protobuf string"));
        assertThat(at(schema, "/at")).contains(new FieldTypes(Set.of(JsonNodeType.STRING, JsonNodeType.NULL),
                "protobuf google.protobuf.Timestamp"));
        assertThat(at(schema, "/took")).contains(new FieldTypes(Set.of(JsonNodeType.STRING, JsonNodeType.NULL),
                "protobuf google.protobuf.Duration"));
        assertThat(at(schema, "/w_i64")).contains(new FieldTypes(Set.of(JsonNodeType.NUMBER, JsonNodeType.NULL),
                "protobuf google.protobuf.Int64Value"));
        assertThat(at(schema, "/w_text")).contains(new FieldTypes(Set.of(JsonNodeType.STRING, JsonNodeType.NULL),
                "protobuf google.protobuf.StringValue"));
        assertThat(at(schema, "/day")).contains(new FieldTypes(Set.of(JsonNodeType.STRING, JsonNodeType.NULL),
                "protobuf google.type.Date"));
        assertThat(at(schema, "/price")).contains(new FieldTypes(Set.of(JsonNodeType.NUMBER, JsonNodeType.NULL),
                "protobuf confluent.type.Decimal"));

        assertThat(at(schema, "/missing")).isEmpty();
        assertThat(at(schema, "/at/seconds")).isEmpty();
        assertThat(at(schema, "/i64/x")).isEmpty();
        assertThat(at(schema, "/name")).as("a field of the second message only").isEmpty();
    }

    @Test
    void atWalksNestedMessagesRepeatedFieldsAndMaps() throws Exception {
        RegisteredSchema schema = ProtobufSchema.parse(SHOP, Map.of());

        assertThat(at(schema, "/address")).contains(new FieldTypes(Set.of(JsonNodeType.OBJECT, JsonNodeType.NULL),
                "protobuf shop.Everything.Address"));
        assertThat(at(schema, "/address/city"))
                .contains(new FieldTypes(Set.of(JsonNodeType.STRING, JsonNodeType.NULL), "protobuf string"));
        assertThat(at(schema, "/address/street")).isEmpty();
        assertThat(at(schema, "/tags"))
                .contains(new FieldTypes(Set.of(JsonNodeType.ARRAY), "protobuf repeated string"));
        assertThat(at(schema, "/tags/0"))
                .contains(new FieldTypes(Set.of(JsonNodeType.STRING, JsonNodeType.NULL), "protobuf string"));
        assertThat(at(schema, "/tags/first")).isEmpty();
        assertThat(at(schema, "/addresses/2/zip"))
                .contains(new FieldTypes(Set.of(JsonNodeType.STRING, JsonNodeType.NULL), "protobuf string"));
        assertThat(at(schema, "/counts"))
                .contains(new FieldTypes(Set.of(JsonNodeType.OBJECT), "protobuf map<string, int64>"));
        assertThat(at(schema, "/counts/any key"))
                .contains(new FieldTypes(Set.of(JsonNodeType.NUMBER, JsonNodeType.NULL), "protobuf int64"));
        assertThat(at(schema, "/by_number/7/city"))
                .contains(new FieldTypes(Set.of(JsonNodeType.STRING, JsonNodeType.NULL), "protobuf string"));
        assertThat(at(schema, "/by_number/7/street")).isEmpty();
    }

    @Test
    void theRegistryReadsProtobufSchemas() throws Exception {
        RegisteredSchema schema = SchemaRegistry.defaultParsers().get(RecordFormat.PROTOBUF).parse(SHOP, Map.of());

        assertThat(schema.format()).isEqualTo(RecordFormat.PROTOBUF);
    }

    private static java.util.Optional<FieldTypes> at(RegisteredSchema schema, String pointer) {
        return schema.at(JsonPointer.compile(pointer));
    }

    private static JsonNode read(String schema, byte[] frame) throws RecordUnreadable {
        return ProtobufSchema.parse(schema, Map.of()).read(body(frame));
    }

    /** What {@link WireFormat} hands the schema: the bytes after the 5-byte header. */
    private static ByteBuffer body(byte[] frame) {
        return ByteBuffer.wrap(frame, WireFormat.HEADER, frame.length - WireFormat.HEADER).slice();
    }

    /** A frame of the file's first message: its message indexes the single byte 0. */
    private static byte[] frame(byte[] message) {
        return frame(new int[]{0}, message);
    }

    /**
     * A frame as Confluent's serializer writes it: magic byte 0, the schema id big-endian, the message
     * indexes ([0] as the single byte 0; else their count and each as zigzag varints), the message.
     */
    private static byte[] frame(int[] indexes, byte[] message) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(new byte[]{0, 0, 0, 0, 42});
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            if (indexes.length == 1 && indexes[0] == 0) {
                out.writeSInt32NoTag(0);
            } else {
                out.writeSInt32NoTag(indexes.length);
                for (int index : indexes) {
                    out.writeSInt32NoTag(index);
                }
            }
            out.flush();
            bytes.write(message);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] message(Writes fields) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            fields.to(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
