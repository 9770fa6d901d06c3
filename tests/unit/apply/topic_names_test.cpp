#include <gtest/gtest.h>

#include "kafka/topic_names.hpp"

namespace ferry::apply::kafka {
namespace {

TEST(KafkaTopicNames, PrefixSchemaTableWithIllegalCharactersReplaced) {
    EXPECT_EQ(topic_name("shop", {"public", "orders"}), "shop.public.orders");
    EXPECT_EQ(topic_name("shop", {"Weird Schema", "Order \"Items\""}), "shop.Weird_Schema.Order__Items_");
    EXPECT_EQ(topic_name("shop", {"s", "ünï-cødé.x"}), "shop.s._n_-c_d_.x");
}

TEST(KafkaTopicNames, CollisionsAndOverlongNamesAreReported) {
    EXPECT_EQ(check_topic_names("shop", {{"public", "a"}, {"public", "b"}}), "");
    const std::string clash = check_topic_names("shop", {{"public", "a b"}, {"public", "a_b"}});
    EXPECT_NE(clash.find("and public.a_b would share topic shop.public.a_b; leave one of them out"), std::string::npos)
        << clash;
    const std::string long_name = check_topic_names("shop", {{"public", std::string(250, 'x')}});
    EXPECT_NE(long_name.find("longer than Kafka's 249 characters"), std::string::npos) << long_name;
}

}  // namespace
}  // namespace ferry::apply::kafka
