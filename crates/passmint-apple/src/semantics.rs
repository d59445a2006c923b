//! Apple's semantic tags (the `semantics` dictionary of pass.json) and the
//! preferred style schemes of an event ticket.
//!
//! Each tag has the API's name (snake_case: `event_name`, `artist_ids`), Apple's
//! name (`eventName`, `artistIDs`) and Apple's type. The nested objects
//! (`Location`, `CurrencyAmount`, `PersonNameComponents`, `Seat`, `WifiNetwork`)
//! list their keys the same way. The poster event ticket (`posterEventTicket`)
//! needs some of these tags; without them Wallet falls back to the classic ticket.

use serde::{Deserialize, Serialize};

/// The type of a semantic tag's value, as Apple lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagType {
    /// A localizable string.
    Text,
    /// A JSON number.
    Number,
    /// `true` or `false`.
    Bool,
    /// A date and time, as an ISO 8601 string (RFC 3339 here).
    Date,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    /// A list of strings.
    TextList,
    /// A list of strings from a fixed set.
    EnumList(&'static [&'static str]),
    /// `SemanticTagType.Location`: `latitude` and `longitude`.
    Location,
    /// `SemanticTagType.CurrencyAmount`: `amount` (a decimal number as a string)
    /// and `currencyCode` (ISO 4217).
    CurrencyAmount,
    /// `SemanticTagType.PersonNameComponents`.
    PersonName,
    /// A list of `SemanticTagType.Seat`.
    Seats,
    /// A list of `SemanticTagType.WifiNetwork`.
    WifiNetworks,
}

/// One semantic tag: the API's name, Apple's name, its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemanticTag {
    /// The API's name (snake_case).
    pub name: &'static str,
    /// Apple's name in pass.json.
    pub apple: &'static str,
    /// The value's type.
    pub kind: TagType,
}

/// Apple's `eventType` values.
pub const EVENT_TYPES: [&str; 8] = [
    "PKEventTypeGeneric",
    "PKEventTypeLivePerformance",
    "PKEventTypeMovie",
    "PKEventTypeSports",
    "PKEventTypeConference",
    "PKEventTypeConvention",
    "PKEventTypeWorkshop",
    "PKEventTypeSocialGathering",
];

/// Apple's transit security programs.
pub const SECURITY_PROGRAMS: [&str; 7] = [
    "PKTransitSecurityProgramTSAPreCheck",
    "PKTransitSecurityProgramTSAPreCheckTouchlessID",
    "PKTransitSecurityProgramOSS",
    "PKTransitSecurityProgramITI",
    "PKTransitSecurityProgramITD",
    "PKTransitSecurityProgramGlobalEntry",
    "PKTransitSecurityProgramCLEAR",
];

/// Apple's passenger capabilities.
pub const PASSENGER_CAPABILITIES: [&str; 5] = [
    "PKPassengerCapabilityPreboarding",
    "PKPassengerCapabilityPriorityBoarding",
    "PKPassengerCapabilityCarryon",
    "PKPassengerCapabilityPersonalItem",
    "PKPassengerCapabilityLapInfant",
];

const fn tag(name: &'static str, apple: &'static str, kind: TagType) -> SemanticTag {
    SemanticTag { name, apple, kind }
}

use TagType::{
    Bool, CurrencyAmount, Date, Enum, EnumList, Location, Number, PersonName, Seats, Text,
    TextList, WifiNetworks,
};

/// Every semantic tag, sorted by the API's name.
pub const SEMANTIC_TAGS: &[SemanticTag] = &[
    tag(
        "additional_ticket_attributes",
        "additionalTicketAttributes",
        Text,
    ),
    tag("admission_level", "admissionLevel", Text),
    tag(
        "admission_level_abbreviation",
        "admissionLevelAbbreviation",
        Text,
    ),
    tag("airline_code", "airlineCode", Text),
    tag("album_ids", "albumIDs", TextList),
    tag("artist_ids", "artistIDs", TextList),
    tag("attendee_name", "attendeeName", Text),
    tag("away_team_abbreviation", "awayTeamAbbreviation", Text),
    tag("away_team_location", "awayTeamLocation", Text),
    tag("away_team_name", "awayTeamName", Text),
    tag("balance", "balance", CurrencyAmount),
    tag("boarding_group", "boardingGroup", Text),
    tag("boarding_sequence_number", "boardingSequenceNumber", Text),
    tag("boarding_zone", "boardingZone", Text),
    tag("car_number", "carNumber", Text),
    tag("confirmation_number", "confirmationNumber", Text),
    tag("current_arrival_date", "currentArrivalDate", Date),
    tag("current_boarding_date", "currentBoardingDate", Date),
    tag("current_departure_date", "currentDepartureDate", Date),
    tag("departure_airport_code", "departureAirportCode", Text),
    tag("departure_airport_name", "departureAirportName", Text),
    tag("departure_city_name", "departureCityName", Text),
    tag("departure_gate", "departureGate", Text),
    tag("departure_location", "departureLocation", Location),
    tag(
        "departure_location_description",
        "departureLocationDescription",
        Text,
    ),
    tag(
        "departure_location_security_programs",
        "departureLocationSecurityPrograms",
        EnumList(&SECURITY_PROGRAMS),
    ),
    tag(
        "departure_location_time_zone",
        "departureLocationTimeZone",
        Text,
    ),
    tag("departure_platform", "departurePlatform", Text),
    tag("departure_station_name", "departureStationName", Text),
    tag("departure_terminal", "departureTerminal", Text),
    tag("destination_airport_code", "destinationAirportCode", Text),
    tag("destination_airport_name", "destinationAirportName", Text),
    tag("destination_city_name", "destinationCityName", Text),
    tag("destination_gate", "destinationGate", Text),
    tag("destination_location", "destinationLocation", Location),
    tag(
        "destination_location_description",
        "destinationLocationDescription",
        Text,
    ),
    tag(
        "destination_location_security_programs",
        "destinationLocationSecurityPrograms",
        EnumList(&SECURITY_PROGRAMS),
    ),
    tag(
        "destination_location_time_zone",
        "destinationLocationTimeZone",
        Text,
    ),
    tag("destination_platform", "destinationPlatform", Text),
    tag("destination_station_name", "destinationStationName", Text),
    tag("destination_terminal", "destinationTerminal", Text),
    tag("duration", "duration", Number),
    tag("entrance_description", "entranceDescription", Text),
    tag("event_end_date", "eventEndDate", Date),
    tag("event_name", "eventName", Text),
    tag("event_start_date", "eventStartDate", Date),
    tag("event_type", "eventType", Enum(&EVENT_TYPES)),
    tag("flight_code", "flightCode", Text),
    tag("flight_number", "flightNumber", Number),
    tag("genre", "genre", Text),
    tag("home_team_abbreviation", "homeTeamAbbreviation", Text),
    tag("home_team_location", "homeTeamLocation", Text),
    tag("home_team_name", "homeTeamName", Text),
    tag(
        "international_documents_are_verified",
        "internationalDocumentsAreVerified",
        Bool,
    ),
    tag(
        "international_documents_verified_declaration_name",
        "internationalDocumentsVerifiedDeclarationName",
        Text,
    ),
    tag("league_abbreviation", "leagueAbbreviation", Text),
    tag("league_name", "leagueName", Text),
    tag("lounge_place_ids", "loungePlaceIDs", TextList),
    tag("membership_program_name", "membershipProgramName", Text),
    tag("membership_program_number", "membershipProgramNumber", Text),
    tag("membership_program_status", "membershipProgramStatus", Text),
    tag("original_arrival_date", "originalArrivalDate", Date),
    tag("original_boarding_date", "originalBoardingDate", Date),
    tag("original_departure_date", "originalDepartureDate", Date),
    tag("passenger_airline_ssrs", "passengerAirlineSSRs", TextList),
    tag(
        "passenger_capabilities",
        "passengerCapabilities",
        EnumList(&PASSENGER_CAPABILITIES),
    ),
    tag(
        "passenger_eligible_security_programs",
        "passengerEligibleSecurityPrograms",
        EnumList(&SECURITY_PROGRAMS),
    ),
    tag(
        "passenger_information_ssrs",
        "passengerInformationSSRs",
        TextList,
    ),
    tag("passenger_name", "passengerName", PersonName),
    tag("passenger_service_ssrs", "passengerServiceSSRs", TextList),
    tag("performer_names", "performerNames", TextList),
    tag("playlist_ids", "playlistIDs", TextList),
    tag("priority_status", "priorityStatus", Text),
    tag("seats", "seats", Seats),
    tag("security_screening", "securityScreening", Text),
    tag("silence_requested", "silenceRequested", Bool),
    tag("sport_name", "sportName", Text),
    tag("tailgating_allowed", "tailgatingAllowed", Bool),
    tag("ticket_fare_class", "ticketFareClass", Text),
    tag("total_price", "totalPrice", CurrencyAmount),
    tag("transit_provider", "transitProvider", Text),
    tag("transit_status", "transitStatus", Text),
    tag("transit_status_reason", "transitStatusReason", Text),
    tag("vehicle_name", "vehicleName", Text),
    tag("vehicle_number", "vehicleNumber", Text),
    tag("vehicle_type", "vehicleType", Text),
    tag("venue_box_office_open_date", "venueBoxOfficeOpenDate", Date),
    tag("venue_close_date", "venueCloseDate", Date),
    tag("venue_doors_open_date", "venueDoorsOpenDate", Date),
    tag("venue_entrance", "venueEntrance", Text),
    tag("venue_entrance_door", "venueEntranceDoor", Text),
    tag("venue_entrance_gate", "venueEntranceGate", Text),
    tag("venue_entrance_portal", "venueEntrancePortal", Text),
    tag("venue_fan_zone_open_date", "venueFanZoneOpenDate", Date),
    tag("venue_gates_open_date", "venueGatesOpenDate", Date),
    tag("venue_location", "venueLocation", Location),
    tag("venue_name", "venueName", Text),
    tag("venue_open_date", "venueOpenDate", Date),
    tag(
        "venue_parking_lots_open_date",
        "venueParkingLotsOpenDate",
        Date,
    ),
    tag("venue_phone_number", "venuePhoneNumber", Text),
    tag("venue_region_name", "venueRegionName", Text),
    tag("venue_room", "venueRoom", Text),
    tag("wifi_access", "wifiAccess", WifiNetworks),
];

/// A key of a nested object: the API's name and Apple's.
pub type SubKey = (&'static str, &'static str);

/// `Location`'s keys (both required).
pub const LOCATION_KEYS: [SubKey; 2] = [("latitude", "latitude"), ("longitude", "longitude")];

/// `CurrencyAmount`'s keys (both required here: an amount means nothing without
/// its currency).
pub const CURRENCY_AMOUNT_KEYS: [SubKey; 2] =
    [("amount", "amount"), ("currency_code", "currencyCode")];

/// `PersonNameComponents`' keys (at least one).
pub const PERSON_NAME_KEYS: [SubKey; 7] = [
    ("family_name", "familyName"),
    ("given_name", "givenName"),
    ("middle_name", "middleName"),
    ("name_prefix", "namePrefix"),
    ("name_suffix", "nameSuffix"),
    ("nickname", "nickname"),
    ("phonetic_representation", "phoneticRepresentation"),
];

/// `Seat`'s keys (at least one).
pub const SEAT_KEYS: [SubKey; 9] = [
    ("seat_aisle", "seatAisle"),
    ("seat_description", "seatDescription"),
    ("seat_identifier", "seatIdentifier"),
    ("seat_level", "seatLevel"),
    ("seat_number", "seatNumber"),
    ("seat_row", "seatRow"),
    ("seat_section", "seatSection"),
    ("seat_section_color", "seatSectionColor"),
    ("seat_type", "seatType"),
];

/// `WifiNetwork`'s keys (both required).
pub const WIFI_NETWORK_KEYS: [SubKey; 2] = [("password", "password"), ("ssid", "ssid")];

/// The keys of the object a tag of type `kind` holds (one object, or each entry
/// of a list), `None` for a tag that holds no object.
pub fn object_keys(kind: TagType) -> Option<&'static [SubKey]> {
    match kind {
        Location => Some(&LOCATION_KEYS),
        CurrencyAmount => Some(&CURRENCY_AMOUNT_KEYS),
        PersonName => Some(&PERSON_NAME_KEYS),
        Seats => Some(&SEAT_KEYS),
        WifiNetworks => Some(&WIFI_NETWORK_KEYS),
        _ => None,
    }
}

/// The tag the API calls `name`.
pub fn semantic_tag(name: &str) -> Option<&'static SemanticTag> {
    SEMANTIC_TAGS.iter().find(|t| t.name == name)
}

/// The tag Apple calls `apple`.
pub fn semantic_tag_by_apple(apple: &str) -> Option<&'static SemanticTag> {
    SEMANTIC_TAGS.iter().find(|t| t.apple == apple)
}

/// The candidate closest to `name` (compared without case nor `_`, by edit
/// distance), for a message that names the key meant.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| *c != '_')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = norm(name);
    candidates
        .into_iter()
        .min_by_key(|c| edit_distance(&wanted, &norm(c)))
}

/// Levenshtein distance.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// A preferred style scheme of an event ticket (`preferredStyleSchemes`), in the
/// API's spelling (`poster_event_ticket`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StyleScheme {
    /// `posterEventTicket` (iOS 26): the poster layout, with semantic tags.
    PosterEventTicket,
    /// `eventTicket`: the classic ticket, every device's fallback.
    EventTicket,
}

impl StyleScheme {
    /// Every scheme.
    pub const ALL: [StyleScheme; 2] = [StyleScheme::PosterEventTicket, StyleScheme::EventTicket];

    /// Apple's name.
    pub fn as_apple_str(self) -> &'static str {
        match self {
            StyleScheme::PosterEventTicket => "posterEventTicket",
            StyleScheme::EventTicket => "eventTicket",
        }
    }

    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            StyleScheme::PosterEventTicket => "poster_event_ticket",
            StyleScheme::EventTicket => "event_ticket",
        }
    }
}

/// The semantic tags every poster event ticket needs (by the API's name); without
/// one Wallet shows the classic ticket.
pub const POSTER_REQUIRED_TAGS: [&str; 4] = [
    "event_name",
    "venue_name",
    "venue_region_name",
    "venue_room",
];

/// The tags a poster event ticket needs, given its `eventType` (Apple's value):
/// [`POSTER_REQUIRED_TAGS`], plus both team abbreviations for a sports event and
/// the performers for a live performance.
pub fn poster_required_tags(event_type: Option<&str>) -> Vec<&'static str> {
    let mut tags = POSTER_REQUIRED_TAGS.to_vec();
    match event_type {
        Some("PKEventTypeSports") => {
            tags.extend(["away_team_abbreviation", "home_team_abbreviation"]);
        }
        Some("PKEventTypeLivePerformance") => tags.push("performer_names"),
        _ => {}
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_unique_and_match_apple_s() {
        for pair in SEMANTIC_TAGS.windows(2) {
            assert!(pair[0].name < pair[1].name, "{:?}", pair[1].name);
        }
        for t in SEMANTIC_TAGS {
            // snake_case of Apple's name, with acronyms (IDs, SSRs) as one word.
            let snake: String = t
                .apple
                .replace("IDs", "Ids")
                .replace("SSRs", "Ssrs")
                .chars()
                .flat_map(|c| {
                    if c.is_ascii_uppercase() {
                        vec!['_', c.to_ascii_lowercase()]
                    } else {
                        vec![c]
                    }
                })
                .collect();
            assert_eq!(snake, t.name);
            assert_eq!(semantic_tag_by_apple(t.apple), Some(t));
        }
    }

    #[test]
    fn the_closest_key_is_named() {
        let names = || SEMANTIC_TAGS.iter().map(|t| t.name);
        assert_eq!(closest("eventName", names()), Some("event_name"));
        assert_eq!(closest("venu_name", names()), Some("venue_name"));
        assert_eq!(closest("seat", names()), Some("seats"));
        assert_eq!(closest("x", std::iter::empty()), None);
    }

    #[test]
    fn poster_tags_depend_on_the_event_type() {
        assert_eq!(poster_required_tags(None).len(), 4);
        assert!(
            poster_required_tags(Some("PKEventTypeSports")).contains(&"home_team_abbreviation")
        );
        assert!(
            poster_required_tags(Some("PKEventTypeLivePerformance")).contains(&"performer_names")
        );
    }
}
