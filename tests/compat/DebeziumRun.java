// Runs Debezium's MariaDB connector in the embedded engine and writes its change events to Kafka
// exactly as Kafka Connect would: key and value through an Avro converter (Confluent framing: magic
// byte, 4-byte schema id, Avro binary), the schema registered in the test registry, the record keyed
// so that Kafka's default partitioner places it.
//
// Usage: java -cp JARS DebeziumRun ENGINE.properties CONVERTER.properties BOOTSTRAP STOP_TOPIC
//   ENGINE.properties     the engine and connector configuration (mariadb_compat.sh writes it)
//   CONVERTER.properties  the Avro converter's configuration (the same for key and value)
//   STOP_TOPIC            once a record for this topic has been written and flushed, the engine
//                         is closed and the program exits 0 (the workload ends with a row there)
// Exits 1 when the engine stops with an error, or after 600 s without the stop record.
//
// Why Apicurio's converter and not Confluent's: io.confluent:kafka-connect-avro-converter is not on
// Maven Central (the only registry reachable here). Apicurio's AvroConverter carries its own copy of
// Confluent's AvroData (Connect schema -> Avro schema with connect.name / connect.parameters /
// connect.version / connect.default), and with apicurio.registry.as-confluent=true and
// use-id=contentId it writes the Confluent wire format with the id the registry's Confluent API
// (/apis/ccompat/v7/schemas/ids/{id}) serves.
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.ChangeEvent;
import io.apicurio.registry.utils.converter.AvroConverter;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.source.SourceRecord;

public class DebeziumRun {
	static Properties load(String path) throws IOException {
		Properties p = new Properties();
		try (InputStream in = new FileInputStream(path)) {
			p.load(in);
		}
		return p;
	}

	static Map<String, Object> asMap(Properties p) {
		Map<String, Object> m = new HashMap<>();
		for (String k : p.stringPropertyNames())
			m.put(k, p.getProperty(k));
		return m;
	}

	public static void main(String[] args) throws Exception {
		if (args.length != 4) {
			System.err.println("usage: DebeziumRun ENGINE.properties CONVERTER.properties BOOTSTRAP STOP_TOPIC");
			System.exit(2);
		}
		Properties engineProps = load(args[0]);
		Map<String, Object> convProps = asMap(load(args[1]));
		String stopTopic = args[3];

		AvroConverter<Object> keyConv = new AvroConverter<>();
		keyConv.configure(convProps, true);
		AvroConverter<Object> valueConv = new AvroConverter<>();
		valueConv.configure(convProps, false);

		Properties pp = new Properties();
		pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[2]);
		pp.put(ProducerConfig.ACKS_CONFIG, "all");
		pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
		pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "16000000");
		KafkaProducer<byte[], byte[]> producer =
		    new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer());

		CountDownLatch done = new CountDownLatch(1);
		AtomicBoolean sawStop = new AtomicBoolean(false);
		AtomicReference<Throwable> failure = new AtomicReference<>();
		AtomicLong written = new AtomicLong();

		DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine =
		    DebeziumEngine.create(Connect.class)
		        .using(engineProps)
		        .using((success, message, error) -> {
			        if (!success) {
				        System.err.println("engine stopped with an error: " + message);
				        failure.set(error != null ? error : new RuntimeException(message));
			        }
			        done.countDown();
		        })
		        .notifying((List<ChangeEvent<SourceRecord, SourceRecord>> batch,
		                    DebeziumEngine.RecordCommitter<ChangeEvent<SourceRecord, SourceRecord>> committer) -> {
			        for (ChangeEvent<SourceRecord, SourceRecord> ev : batch) {
				        SourceRecord r = ev.value(); // the Connect format hands the whole SourceRecord
				        byte[] k = r.key() == null && r.keySchema() == null
				                       ? null
				                       : keyConv.fromConnectData(r.topic(), r.keySchema(), r.key());
				        byte[] v = r.value() == null ? null
				                                     : valueConv.fromConnectData(r.topic(), r.valueSchema(), r.value());
				        producer.send(new ProducerRecord<>(r.topic(), null, k, v));
				        written.incrementAndGet();
				        if (r.topic().equals(stopTopic))
					        sawStop.set(true);
				        committer.markProcessed(ev);
			        }
			        // Acknowledged by Kafka before the offsets move, as Connect's worker does.
			        producer.flush();
			        committer.markBatchFinished();
		        })
		        .build();

		ExecutorService executor = Executors.newSingleThreadExecutor();
		executor.execute(engine);
		long deadline = System.currentTimeMillis() + 600_000;
		while (!sawStop.get() && done.getCount() > 0 && System.currentTimeMillis() < deadline)
			Thread.sleep(200);
		try {
			engine.close();
		} catch (IllegalStateException e) {
			// Already shut down: the engine stopped by itself (an error, reported by the callback).
		}
		done.await(60, TimeUnit.SECONDS);
		executor.shutdownNow();
		producer.flush();
		producer.close();
		System.err.println("DebeziumRun: " + written.get() + " records written; stop record seen: " + sawStop.get());
		if (failure.get() != null) {
			failure.get().printStackTrace();
			System.exit(1);
		}
		System.exit(sawStop.get() ? 0 : 1);
	}
}
