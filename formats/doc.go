// Package formats turns supplier orders into files for suppliers and reads
// the status files suppliers send back.
//
// # Order encoders
//
// New builds an Encoder from a Spec. Every encoder writes one file per
// supplier order, and writes the same bytes for the same supplier order every
// time: receivers compare re-delivered files byte for byte, so nothing in the
// output may depend on map order, the clock or the machine's time zone.
// Encoders are immutable and safe for concurrent use.
//
//   - csv: the standard. A header row, then one row per line item with the
//     order fields repeated. Columns, delimiter, quoting, dates, time zone,
//     money format, BOM and line ending are chosen per supplier with
//     CSVOptions; DefaultColumns lists the default columns. RFC 4180 (CRLF,
//     minimal quoting) unless told otherwise.
//   - json: the domain.SupplierOrder as indented JSON, fields in struct
//     order, money in integer minor units, times in UTC.
//   - xml: the layout below, money as decimal strings, times in UTC.
//   - template: a text/template written by the operator, executed with the
//     *domain.SupplierOrder as its data and the helpers money, date,
//     options, csvescape, xmlescape and json.
//
// # XML layout
//
// Every element is always present, empty when its value is; money is a
// decimal string in the order currency; times are RFC 3339 in UTC, empty
// when unknown; options are sorted by key. Characters XML cannot carry (most
// control characters) are replaced with U+FFFD.
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<supplier_order number="22-31">
//	  <supplier>acme</supplier>
//	  <status>new</status>
//	  <version>1</version>
//	  <currency>EUR</currency>
//	  <order number="1022">
//	    <external_id>shop-7781</external_id>
//	    <retailer>shop</retailer>
//	    <placed_at>2026-03-14T09:26:53Z</placed_at>
//	    <customer type="b2c">
//	      <name/> <company/> <email/> <phone/>
//	    </customer>
//	    <shipping_address>
//	      <name/> <company/> <line1/> <line2/> <city/> <region/> <postal_code/> <country/>
//	    </shipping_address>
//	    <notes/>
//	  </order>
//	  <lines>
//	    <line position="1">
//	      <sku/> <name/>
//	      <options><option key="colour">red</option></options>
//	      <quantity>2</quantity>
//	      <unit_price>12.50</unit_price>
//	      <discount>0.00</discount>
//	      <total>25.00</total>
//	    </line>
//	  </lines>
//	  <item_total>25.00</item_total>
//	  <shipping>4.90</shipping>
//	  <commission rate_bp="220">0.55</commission>
//	  <payout>24.45</payout>
//	</supplier_order>
//
// # Formula neutralisation
//
// Spreadsheets execute a cell that starts with '=', '+', '-', '@', a tab or
// a carriage return as a formula, so a customer name such as
// "=HYPERLINK(...)" would run on the supplier's desk. Every CSV cell we write
// that starts with one of those characters is prefixed with a single quote
// ('), which spreadsheets read as "this is text".
//
// By default one exception is made: numbers that this package formats itself
// (money amounts and quantities) keep their leading minus, so that a
// negative discount stays a number. Free text — names, notes, SKUs,
// addresses, options, headers — is always neutralised. CSVOptions.Neutralize
// "strict" neutralises every cell, numbers included. There is deliberately
// no option to turn neutralisation off: a supplier whose importer chokes on
// the quote should be given different columns, not an unsafe file.
//
// Neutralisation applies to CSV output (the csv encoder, the rejected-rows
// file and the template helper csvescape); JSON and XML are not spreadsheet
// formats and carry values unchanged.
//
// # Status files
//
// Suppliers upload status files as CSV, JSON or XML. DecodeStatusCSV,
// DecodeStatusJSON and DecodeStatusXML return the rows they could read and
// a RowError for each row they could not: one bad row never stops the
// others, while a file that cannot be read at all (or that is over the
// DecodeOptions limits) is an error. WriteErrorsCSV renders the rejected
// rows as a CSV for the supplier to fix and upload again.
package formats
